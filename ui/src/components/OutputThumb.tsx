// The small picture that stands for a generation in lists (history, the
// dropdown, a batch): its first picture, or its video's poster frame (a PNG
// the engine makes beside the video: crates/core/src/engine/poster.rs), or
// an icon for audio, text and other files. A video without a poster (an
// older result, a system without GStreamer) shows its first frame from the
// video itself: a muted video element that loads only its metadata.
//
// On a team's database the file may have been saved by another machine: when
// it is missing here, it is fetched from the database (fetch_outputs, a few
// at a time on the Rust side) while a placeholder shows, then shown.
import { useState } from "react";
import { backend, fileUrl } from "../backend";
import { outputKind, posterFile, thumbFile } from "../lib/outputs";
import { usePlayableUrl } from "../lib/playable";
import { ImageIcon } from "./icons";
import { AudioIcon, FileIcon, TextIcon, VideoIcon } from "./mediaIcons";
import "../styles/media.css";

function VideoBadge() {
  return (
    <span className="thumb-badge">
      <VideoIcon />
    </span>
  );
}

function VideoFrame({ url }: { url: string }) {
  const src = usePlayableUrl(url);
  return (
    <span className="thumb-video" data-kind="video">
      {src && <video src={`${src}#t=0.1`} muted playsInline preload="metadata" aria-hidden="true" tabIndex={-1} />}
      <VideoBadge />
    </span>
  );
}

/**
 * A listed generation's file as this machine has it: `shown` (try it),
 * `fetching` (it was missing: asked from the team database), `fetched` (try
 * again), `missing` (not here and not fetched).
 */
type Fetch = "shown" | "fetching" | "fetched" | "missing";

/** `onMissing` for an element whose file failed to load: fetch it once (generation `id`), then show it again. */
function useFetchWhenMissing(id: string | undefined): [Fetch, () => void] {
  const [state, setState] = useState<Fetch>("shown");
  const onMissing = () => {
    if (state !== "shown" || !id) return setState("missing");
    setState("fetching");
    backend.fetchOutputs(id).then(
      (got) => setState(got ? "fetched" : "missing"),
      (error: unknown) => {
        console.warn("fetch_outputs failed", error);
        setState("missing");
      },
    );
  };
  return [state, onMissing];
}

/** Stands for a file being fetched (or not to be had). */
function Placeholder({ state }: { state: Fetch }) {
  return (
    <span className="thumb-icon" data-kind={state === "fetching" ? "fetching" : "missing"} aria-busy={state === "fetching"}>
      <ImageIcon />
    </span>
  );
}

/** The src to load: after a fetch, a new URL (the same file), so the element loads again. */
function srcOf(url: string, state: Fetch): string {
  return state === "fetched" ? `${url}#fetched` : url;
}

/** The poster frame (an img: no video decoded per row), else the video's first frame. */
function VideoThumb({ file, id }: { file: string; id?: string }) {
  const [state, onMissing] = useFetchWhenMissing(id);
  if (state === "missing") return <VideoFrame url={fileUrl(file)} />;
  if (state === "fetching") return <Placeholder state={state} />;
  return (
    <span className="thumb-video" data-kind="video">
      <img key={state} className="thumb-poster" src={srcOf(fileUrl(posterFile(file)), state)} alt="" loading="lazy" decoding="async" onError={onMissing} />
      <VideoBadge />
    </span>
  );
}

function ImageThumb({ file, id }: { file: string; id?: string }) {
  const [state, onMissing] = useFetchWhenMissing(id);
  if (state === "fetching" || state === "missing") return <Placeholder state={state} />;
  return <img key={state} src={srcOf(fileUrl(file), state)} alt="" loading="lazy" decoding="async" onError={onMissing} />;
}

/** `id`: the generation's, so that a file another machine saved can be fetched. */
export function OutputThumb({ files, id }: { files: string[]; id?: string }) {
  const file = thumbFile(files);
  if (!file) return <ImageIcon />;
  switch (outputKind(file)) {
    case "image":
      return <ImageThumb key={file} file={file} id={id} />;
    case "video":
      return <VideoThumb key={file} file={file} id={id} />;
    case "audio":
      return (
        <span className="thumb-icon" data-kind="audio">
          <AudioIcon />
        </span>
      );
    case "text":
      return (
        <span className="thumb-icon" data-kind="text">
          <TextIcon />
        </span>
      );
    default:
      return (
        <span className="thumb-icon" data-kind="file">
          <FileIcon />
        </span>
      );
  }
}
