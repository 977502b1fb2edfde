// The small picture that stands for a generation in lists (history, the
// dropdown, a batch): its first picture, or its video's first frame (a muted
// video element that loads only its metadata and first frame: no poster
// file is made on disk), or an icon for audio, text and other files.
import { fileUrl } from "../backend";
import { outputKind, thumbFile } from "../lib/outputs";
import { usePlayableUrl } from "../lib/playable";
import { ImageIcon } from "./icons";
import { AudioIcon, FileIcon, TextIcon, VideoIcon } from "./mediaIcons";
import "../styles/media.css";

function VideoThumb({ url }: { url: string }) {
  const src = usePlayableUrl(url);
  return (
    <span className="thumb-video" data-kind="video">
      {src && <video src={`${src}#t=0.1`} muted playsInline preload="metadata" aria-hidden="true" tabIndex={-1} />}
      <span className="thumb-badge">
        <VideoIcon />
      </span>
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
      return <VideoThumb url={url} />;
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
