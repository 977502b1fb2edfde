// The small picture that stands for a generation in lists (history, the
// dropdown, a batch): its first picture, or its video's poster frame (a PNG
// the engine makes beside the video: crates/core/src/engine/poster.rs), or
// an icon for audio, text and other files. A video without a poster (an
// older result, a system without GStreamer) shows its first frame from the
// video itself: a muted video element that loads only its metadata.
import { useState } from "react";
import { fileUrl } from "../backend";
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

/** The poster frame (an img: no video decoded per row), else the video's first frame. */
function VideoThumb({ file }: { file: string }) {
  const [noPoster, setNoPoster] = useState(false);
  if (noPoster) return <VideoFrame url={fileUrl(file)} />;
  return (
    <span className="thumb-video" data-kind="video">
      <img className="thumb-poster" src={fileUrl(posterFile(file))} alt="" loading="lazy" decoding="async" onError={() => setNoPoster(true)} />
      <VideoBadge />
    </span>
  );
}

export function OutputThumb({ files }: { files: string[] }) {
  const file = thumbFile(files);
  if (!file) return <ImageIcon />;
  const url = fileUrl(file);
  switch (outputKind(file)) {
    case "image":
      return <img src={url} alt="" loading="lazy" decoding="async" />;
    case "video":
      return <VideoThumb key={file} file={file} />;
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
