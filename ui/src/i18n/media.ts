// Media and inputs beyond the first slice of issue #13 (refused fields, download
// progress, growing text), in both languages (the catalogues en.ts and ru.ts take
// these as their `media` section).

export const mediaEn = {
  fixInForm: "Fix in the form",
  fixHint: "Replicate refused these settings; each problem is shown on its field.",
  downloading: "Downloading output {{index}}",
  downloadBytes: "{{done}} of {{total}}",
  downloadSome: "{{done}} so far",
  textGrowing: "The model is still writing…",
};

export const mediaRu: typeof mediaEn = {
  fixInForm: "Исправить в форме",
  fixHint: "Replicate отклонил эти настройки; каждая ошибка показана у своего поля.",
  downloading: "Загрузка результата {{index}}",
  downloadBytes: "{{done}} из {{total}}",
  downloadSome: "Загружено {{done}}",
  textGrowing: "Модель ещё пишет…",
};
