#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL (Debian's `postgresql` package,
# installed by scripts/install-deps.sh):
#   scripts/with-postgres.sh cargo test -p genqueue-core --lib store
# A new cluster in a temporary folder, owned by an unprivileged user (the
# `postgres` user when run as root: root cannot run postgres), listening only
# on 127.0.0.1 on a free port, password login (scram) with a random password.
# The command gets GENQUEUE_TEST_DATABASE_URL (and GENQUEUE_TEST_PG_CTL, a
# script that stops or starts the cluster); the cluster is stopped and its
# folder removed when the command ends, fails or is interrupted.
# The password is never printed: the URL shown has it masked.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres: PostgreSQL is not installed (run scripts/install-deps.sh as root)" >&2
  exit 1
fi

dir=$(mktemp -d /tmp/genqueue-pg.XXXXXX)
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  as_owner=(runuser -u postgres --)
fi
chmod 700 "$dir"
# PostgreSQL's programs, as the cluster's owner, from inside its folder (the
# caller's folder may be closed to that user, e.g. a clone under /root).
owner() { (cd "$dir" && "${as_owner[@]}" "$@"); }

stop() {
  owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$password" > "$dir/pw"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pw"

owner "$bindir/initdb" -D "$dir/data" -U genqueue --pwfile="$dir/pw" \
  --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/pw"

# A free port: a random one that nothing answers on (bash's /dev/tcp), below
# the kernel's range for outgoing connections' local ports
# (ip_local_port_range): a port in that range, free when probed, can be taken
# by a connection the tests open before PostgreSQL binds it (seen once:
# "Address already in use" when the PostgreSQL pass started), and the
# lost-database tests bind the same port again mid-run. If PostgreSQL still
# cannot bind it (another server started on it), another port is tried.
low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
[ "$low" -gt 11000 ] || low=32768
port=
for _ in $(seq 1 5); do
  candidate=
  for _ in $(seq 1 50); do
    c=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$c") 2>/dev/null; then
      candidate=$c
      break
    fi
  done
  [ -n "$candidate" ] || { echo "with-postgres: no free port found" >&2; exit 1; }
  rm -f "$dir/server.log"
  server_opts="-c listen_addresses=127.0.0.1 -p $candidate -k $dir -c fsync=off -c max_connections=200"
  if owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$server_opts" start >/dev/null; then
    port=$candidate
    break
  fi
  grep -q "Address already in use" "$dir/server.log" || { cat "$dir/server.log" >&2; exit 1; }
done
[ -n "$port" ] || { cat "$dir/server.log" >&2; exit 1; }

# `$GENQUEUE_TEST_PG_CTL stop|start`: tests of a lost team database stop the
# cluster mid-run and start it again (same port, same data).
cat > "$dir/ctl" <<EOF
#!/usr/bin/env bash
set -euo pipefail
cd "$dir"
case "\${1:-}" in
  stop) ${as_owner[*]} "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ;;
  start) ${as_owner[*]} "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$server_opts" start >/dev/null ;;
  *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
EOF
chmod 755 "$dir/ctl"
export GENQUEUE_TEST_PG_CTL="$dir/ctl"

export GENQUEUE_TEST_DATABASE_URL="postgres://genqueue:${password}@127.0.0.1:${port}/postgres"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on postgres://genqueue:***@127.0.0.1:${port}/postgres" >&2
# In the background, so that a signal to this script reaches the trap at
# once (bash runs traps only between commands) and is passed on.
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM
trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT
set +e
wait "$child"
code=$?
set -e
exit $code
