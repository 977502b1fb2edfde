// Reads the app's tray item (a StatusNotifierItem, made by Tauri's
// tray-icon with its ksni backend) over the session bus with gdbus: the
// watcher's registered items, then the item's properties and its exported
// menu (com.canonical.dbusmenu); and clicks it (Activate).
import { execFile as execFileCb } from "node:child_process";
import { promisify } from "node:util";

const execFile = promisify(execFileCb);

async function gdbus(dest, path, method, ...args) {
  const { stdout } = await execFile("gdbus", ["call", "--session", "--timeout", "3", "--dest", dest, "--object-path", path, "--method", method, ...args]);
  return stdout;
}

/** Unescapes a GVariant text string literal body. */
function unquote(s) {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e === "n" ? "\n" : e));
}

/** String values in GVariant text, in order. */
function strings(text) {
  return [...text.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => unquote(m[1]));
}

/** The registered items as [bus name, object path] pairs. */
export async function registeredItems() {
  const out = await gdbus(
    "org.kde.StatusNotifierWatcher",
    "/StatusNotifierWatcher",
    "org.freedesktop.DBus.Properties.Get",
    "org.kde.StatusNotifierWatcher",
    "RegisteredStatusNotifierItems",
  );
  const found = [];
  for (let s of strings(out)) {
    const i = s.indexOf("/");
    if (i > 0 && s.length > i + 1) {
      found.push([s.slice(0, i), s.slice(i)]);
      continue;
    }
    if (i > 0) s = s.slice(0, i); // "name/"
    // Only a bus name (ksni registers its bus name alone): the spec's usual
    // path, else the object that implements the item interface.
    const path = (await hasItemAt(s, "/StatusNotifierItem")) ? "/StatusNotifierItem" : await findItemPath(s, "/");
    if (path) found.push([s, path]);
  }
  return found;
}

/** Does `bus` answer org.kde.StatusNotifierItem's Id at `path`? */
async function hasItemAt(bus, path) {
  try {
    await gdbus(bus, path, "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierItem", "Id");
    return true;
  } catch {
    return false;
  }
}

/** Depth-first search for an object implementing org.kde.StatusNotifierItem. */
async function findItemPath(bus, path, depth = 0) {
  if (depth > 8) return null;
  const { stdout } = await execFile("gdbus", ["introspect", "--session", "--dest", bus, "--object-path", path]);
  // gdbus indents the object's own interfaces by two spaces (children's deeper).
  if (/^  interface org\.kde\.StatusNotifierItem \{/m.test(stdout)) return path;
  for (const m of stdout.matchAll(/^\s*node (\S+) \{/gm)) {
    const child = m[1].startsWith("/") ? m[1] : `${path === "/" ? "" : path}/${m[1]}`;
    const hit = await findItemPath(bus, child, depth + 1);
    if (hit) return hit;
  }
  return null;
}

function prop(all, name) {
  // GetAll's answer: ({'Name': <value>, ...},)
  const m = all.match(new RegExp(`'${name}': <((?:[^<>]|<[^<>]*>)*)>`));
  return m ? m[1] : null;
}

/**
 * The app's tray item: { title, label, tooltip, status, menu } where label is
 * the appindicator label (what panels show as the tray title), tooltip the
 * ToolTip's title and text, menu the labels of the exported menu's items.
 * Null when no item is registered.
 */
export async function readTray() {
  const items = await registeredItems();
  for (const [bus, path] of items) {
    const all = await gdbus(bus, path, "org.freedesktop.DBus.Properties.GetAll", "org.kde.StatusNotifierItem");
    const str = (name) => {
      const v = prop(all, name);
      return v === null ? null : (strings(v)[0] ?? "");
    };
    const tooltipRaw = prop(all, "ToolTip");
    const tooltip = tooltipRaw === null ? null : strings(tooltipRaw).filter((s) => s !== "").join(" — ");
    const menuPath = (prop(all, "Menu") ?? "").match(/objectpath '([^']*)'|'([^']*)'/);
    let menu = [];
    const mp = menuPath ? menuPath[1] ?? menuPath[2] : null;
    if (mp && mp !== "/") {
      const layout = await gdbus(bus, mp, "com.canonical.dbusmenu.GetLayout", "--", "0", "-1", "[]");
      menu = [...layout.matchAll(/'label': <'((?:[^'\\]|\\.)*)'>/g)].map((m) => unquote(m[1]));
    }
    return {
      id: str("Id"),
      title: str("Title"),
      label: str("XAyatanaLabel"),
      status: str("Status"),
      tooltip,
      menu,
    };
  }
  return null;
}

/** A left click on the app's tray item, as a panel sends it: Activate(x, y). */
export async function activateTray() {
  const items = await registeredItems();
  if (items.length === 0) throw new Error("no tray item is registered");
  const [bus, path] = items[0];
  await gdbus(bus, path, "org.kde.StatusNotifierItem.Activate", "0", "0");
}

/** The count text a panel shows: the appindicator label, else the title. */
export function trayText(t) {
  return t.label ?? t.title ?? "";
}
