// Placeholder "generated" pictures for the fake backend: a small landscape
// (sky, sun, hills) drawn on a canvas, its colours picked from the prompt, so
// screenshots show images that look like outputs. Outside a real browser
// (jsdom) there is no canvas: a 1×1 PNG stands in.

const ONE_PIXEL_PNG =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkaPhfDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function rng(seed: number): () => number {
  let s = seed || 1;
  return () => {
    s = Math.imul(s ^ (s >>> 15), 2246822507) ^ Math.imul(s ^ (s >>> 13), 3266489909);
    s ^= s >>> 16;
    return (s >>> 0) / 4294967296;
  };
}

function canDraw(): boolean {
  return typeof document !== "undefined" && !/jsdom/i.test(navigator.userAgent);
}

/** A JPEG data URL of width×height for `seedText`. */
export function fakeImage(seedText: string, width = 768, height = 768): string {
  if (!canDraw()) return ONE_PIXEL_PNG;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  if (!ctx) return ONE_PIXEL_PNG;
  const rand = rng(hash(seedText));
  const hue = Math.floor(rand() * 360);
  const sky = ctx.createLinearGradient(0, 0, 0, height);
  sky.addColorStop(0, `hsl(${hue} 55% 22%)`);
  sky.addColorStop(0.55, `hsl(${(hue + 30) % 360} 70% 62%)`);
  sky.addColorStop(1, `hsl(${(hue + 50) % 360} 85% 78%)`);
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, width, height);

  const sunX = width * (0.25 + rand() * 0.5);
  const sunY = height * (0.3 + rand() * 0.2);
  const glow = ctx.createRadialGradient(sunX, sunY, 0, sunX, sunY, width * 0.35);
  glow.addColorStop(0, `hsl(${(hue + 50) % 360} 100% 92% / 0.95)`);
  glow.addColorStop(0.12, `hsl(${(hue + 45) % 360} 100% 80% / 0.8)`);
  glow.addColorStop(1, "transparent");
  ctx.fillStyle = glow;
  ctx.fillRect(0, 0, width, height);

  for (let layer = 0; layer < 4; layer++) {
    const base = height * (0.55 + layer * 0.1);
    ctx.beginPath();
    ctx.moveTo(0, height);
    ctx.lineTo(0, base);
    const peaks = 3 + Math.floor(rand() * 4);
    for (let i = 1; i <= peaks; i++) {
      const x = (width / peaks) * i;
      const y = base - rand() * height * (0.18 - layer * 0.03);
      ctx.quadraticCurveTo(x - width / peaks / 2, y - height * 0.05, x, y + height * 0.02);
    }
    ctx.lineTo(width, height);
    ctx.closePath();
    ctx.fillStyle = `hsl(${(hue + 200 + layer * 8) % 360} ${30 + layer * 6}% ${34 - layer * 7}%)`;
    ctx.fill();
  }
  return canvas.toDataURL("image/jpeg", 0.86);
}
