// A media URL the webview can play. WebKitGTK (Linux) hands a <video> or
// <audio> URL straight to GStreamer, which has no source for Tauri's
// `asset://` scheme, so playback fails with NotSupportedError
// (tauri-apps/tauri#3725, WebKit bug 146351). There the file is fetched (the
// asset protocol answers fetch) and played from a blob: URL; the whole file
// is then held in memory while shown. Elsewhere the URL is used as is.
import { useEffect, useState } from "react";

/** Whether `url` must go through a blob to play here. */
export function needsBlob(url: string): boolean {
  return url.startsWith("asset:") && typeof navigator !== "undefined" && /Linux/i.test(navigator.userAgent);
}

/** `url`, or a blob: URL of its bytes where needed; null while loading. */
export function usePlayableUrl(url: string): string | null {
  const [src, setSrc] = useState<string | null>(needsBlob(url) ? null : url);
  useEffect(() => {
    if (!needsBlob(url)) {
      setSrc(url);
      return;
    }
    let live = true;
    let made: string | null = null;
    setSrc(null);
    fetch(url)
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((blob) => {
        if (!live) return;
        made = URL.createObjectURL(blob);
        setSrc(made);
      })
      .catch((e: unknown) => {
        console.warn("could not load a media file", e);
        if (live) setSrc(url);
      });
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [url]);
  return src;
}
