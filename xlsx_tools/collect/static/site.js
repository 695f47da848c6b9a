// The chosen file's name beside the Chinese "选择文件…" button (the browser's own text is hidden).
document.addEventListener("change", function (event) {
  var input = event.target;
  if (input.type !== "file") return;
  var shown = document.getElementById(input.id + "-name");
  if (shown) shown.textContent = input.files.length ? input.files[0].name : "未选择文件";
});
