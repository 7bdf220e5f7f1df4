"""Answer times in the browser, two running UIs side by side (not collected by pytest).

    python tests/ui/bench_answer_times.py ROUNDS NAME=URL [NAME=URL ...]

Each round opens every UI in turn (order alternating), asks the same four questions in one
conversation and measures in the browser, from the click on 发送: the first answer text on the
page, and the last change to the chat (the answer complete, with its cards). Prints medians and
every run as JSON. Used to check that the source viewer made no existing answer slower.
"""

from __future__ import annotations

import json
import statistics
import sys

QUESTIONS = ["博通FY24Q3实现营业收入多少？", "它的运营利润呢？", "豆包通用模型的日均tokens使用量是多少？", "沐曦曦云C500 OAM的显存带宽是多少？"]
MEASURE = """async (q) => {
  const chat = document.querySelector('#chat');
  const n = document.querySelectorAll('#chat .bot-row').length;
  let last = 0, first = 0;
  const obs = new MutationObserver(() => {
    last = performance.now();
    const rows = document.querySelectorAll('#chat .bot-row');
    const row = rows[rows.length - 1];
    if (!first && rows.length > n && row.innerText.trim() && !row.innerText.includes('⏳')) first = last;
  });
  obs.observe(chat, {subtree: true, childList: true, characterData: true, attributes: true});
  const box = document.querySelector('#question textarea');
  box.value = q; box.dispatchEvent(new Event('input', {bubbles: true}));
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  document.querySelector('#send').click();
  while (!first || performance.now() - last < 400) await new Promise((r) => setTimeout(r, 10));
  obs.disconnect();
  return [first - t0, last - t0];
}"""


def main(rounds: int, uis: dict[str, str]) -> dict:
    from playwright.sync_api import sync_playwright

    runs = {name: {q: [] for q in QUESTIONS} for name in uis}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        for r in range(rounds):
            order = list(uis.items()) if r % 2 == 0 else list(reversed(uis.items()))
            for name, url in order:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                page.locator("#question textarea").wait_for()
                for q in QUESTIONS:
                    first, done = page.evaluate(MEASURE, q)
                    runs[name][q].append((round(first), round(done)))
                page.close()
        browser.close()
    return {name: {q: {"first_ms_median": statistics.median(f for f, _ in v), "done_ms_median": statistics.median(d for _, d in v),
                       "runs": v} for q, v in qs.items()} for name, qs in runs.items()}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), dict(a.split("=", 1) for a in sys.argv[2:])), ensure_ascii=False, indent=1))
