// The course's website: each figure (a notebook's output, or README's on the home page) opens at full size on a click
// (a wide figure is drawn smaller in the text column, and its small labels are read better at full size).
document.addEventListener("DOMContentLoaded", () => {
  for (const img of document.querySelectorAll("article img")) {
    if (img.closest("a")) continue;
    const link = document.createElement("a");
    link.href = img.getAttribute("src");
    link.className = "figure-full-size";
    link.title = "The figure at full size";
    img.replaceWith(link);
    link.appendChild(img);
  }
});
