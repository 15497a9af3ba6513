"""Keyboard helpers for the browser tests: move through a page as a person using only the keyboard would."""

FOCUSED_NAME = r"""() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const text = el.labels && el.labels.length ? el.labels[0].textContent : (el.textContent || el.value || "");
  return text.replace(/\s+/g, " ").trim();
}"""


def tab_to(page, name: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element's label or text starts with ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_NAME).startswith(name):
            return
    raise AssertionError(f"Tab never reached {name!r} on {page.url}")


def type_into(page, label: str, text: str) -> None:
    tab_to(page, label)
    page.keyboard.type(text)
