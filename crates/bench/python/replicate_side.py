"""The official Python client's side of scenario 3 (crates/bench).

Usage: python replicate_side.py CONFIG.json RESULTS.json

CONFIG: {"base_url": "http://127.0.0.1:PORT", "model": "owner/name",
         "tokens": [...], "inputs": [{...}, ...]}  (one token per job)
One thread per job: replicate.Client(api_token, base_url).predictions.create
then .wait() (polls every REPLICATE_POLL_INTERVAL seconds, default 0.5).
RESULTS: [{"job": i, "id": ..., "status": ..., "created": t, "done": t}]
with wall-clock times in seconds since the epoch.
"""

import json
import sys
import threading
import time

import replicate


def main():
    with open(sys.argv[1]) as f:
        config = json.load(f)
    jobs = list(zip(config["tokens"], config["inputs"]))
    results = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def work(i, token, job_input):
        client = replicate.Client(api_token=token, base_url=config["base_url"])
        start.wait()
        try:
            created = time.time()
            prediction = client.predictions.create(model=config["model"], input=job_input)
            prediction.wait()
            results[i] = {
                "job": i,
                "id": prediction.id,
                "status": prediction.status,
                "created": created,
                "done": time.time(),
            }
        except Exception as e:  # reported, not raised: the harness counts it
            results[i] = {"job": i, "error": repr(e)}

    threads = [
        threading.Thread(target=work, args=(i, t, inp)) for i, (t, inp) in enumerate(jobs)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(sys.argv[2], "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
