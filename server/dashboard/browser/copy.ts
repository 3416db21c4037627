// Copy buttons: any <button data-copy="text"> on the page puts its text on the clipboard and says
// so in the page's #copied status line (or, on a page without one, on the button itself).

async function copy(value: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    // No clipboard API (a plain-http page that is not localhost): copy through a selected field.
    const field = document.createElement("textarea");
    field.value = value;
    document.body.append(field);
    field.select();
    // Deprecated, but the only way to copy where the clipboard API is missing.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const done = document.execCommand("copy");
    field.remove();
    return done;
  }
}

async function copyFrom(button: HTMLElement): Promise<void> {
  const value = button.dataset.copy ?? "";
  const done = await copy(value);
  const status = document.getElementById("copied");
  const what = button.dataset.copyName ?? value;
  const said = done ? `Copied ${what}` : "Copying did not work; select the text and copy it by hand.";
  if (status) status.textContent = said;
  else button.textContent = done ? "Copied" : "Copy by hand";
}

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  if (target instanceof HTMLElement) void copyFrom(target);
});
