// Small inline icons (stroke, currentColor). Decorative: the button or link
// that holds one carries the accessible name.
import type { ReactNode } from "react";

function Svg({ children, size = 16 }: { children: ReactNode; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

export const FolderIcon = () => <Svg><path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z" /></Svg>;
export const CopyIcon = () => <Svg><rect x="9" y="9" width="12" height="12" rx="2" /><path d="M5 15V5a2 2 0 0 1 2-2h10" /></Svg>;
export const SaveIcon = () => <Svg><path d="M12 3v12" /><path d="m7 10 5 5 5-5" /><path d="M5 21h14" /></Svg>;
export const RetryIcon = () => <Svg><path d="M3 12a9 9 0 1 0 3-6.7" /><path d="M3 4v5h5" /></Svg>;
export const StopIcon = () => <Svg><rect x="6" y="6" width="12" height="12" rx="2" /></Svg>;
export const TrashIcon = () => <Svg><path d="M4 7h16" /><path d="M10 11v6M14 11v6" /><path d="M6 7l1 13h10l1-13" /><path d="M9 7V4h6v3" /></Svg>;
export const CloseIcon = () => <Svg><path d="M6 6l12 12M18 6 6 18" /></Svg>;
export const ChevronLeftIcon = () => <Svg size={22}><path d="m15 6-6 6 6 6" /></Svg>;
export const ChevronRightIcon = () => <Svg size={22}><path d="m9 6 6 6-6 6" /></Svg>;
export const CheckIcon = () => <Svg><path d="m5 12 5 5 9-10" /></Svg>;
export const PauseIcon = () => <Svg><path d="M9 5v14M15 5v14" /></Svg>;
export const PlayIcon = () => <Svg><path d="m7 4 13 8-13 8z" /></Svg>;
export const ImageIcon = () => <Svg size={20}><rect x="3" y="4" width="18" height="16" rx="2" /><circle cx="9" cy="10" r="2" /><path d="m21 17-5-5-9 8" /></Svg>;
export const SearchIcon = () => <Svg><circle cx="11" cy="11" r="7" /><path d="m20 20-3.5-3.5" /></Svg>;
export const GripIcon = () => <Svg><circle cx="9" cy="6" r="1" /><circle cx="15" cy="6" r="1" /><circle cx="9" cy="12" r="1" /><circle cx="15" cy="12" r="1" /><circle cx="9" cy="18" r="1" /><circle cx="15" cy="18" r="1" /></Svg>;
export const ArrowUpIcon = () => <Svg><path d="M12 19V5" /><path d="m6 11 6-6 6 6" /></Svg>;
export const ArrowDownIcon = () => <Svg><path d="M12 5v14" /><path d="m6 13 6 6 6-6" /></Svg>;
export const ToTopIcon = () => <Svg><path d="M5 4h14" /><path d="M12 20V9" /><path d="m7 13 5-5 5 5" /></Svg>;
export const NextIcon = () => <Svg><path d="m5 5 7 7-7 7" /><path d="m12 5 7 7-7 7" /></Svg>;
export const ExternalIcon = () => <Svg size={14}><path d="M14 4h6v6" /><path d="M20 4 10 14" /><path d="M19 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1h5" /></Svg>;

/** The ⟳ of the counter: a circular arrow (the glyph itself is missing from many fonts). */
export const CounterArrowIcon = () => <Svg size={15}><path d="M20 12a8 8 0 1 1-2.34-5.66" /><path d="M20 4v5h-5" /></Svg>;

/** The app mark: a stack of three frames. */
export function LogoMark() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect x="2" y="8" width="14" height="14" rx="3" fill="var(--accent)" opacity="0.35" />
      <rect x="5" y="5" width="14" height="14" rx="3" fill="var(--accent)" opacity="0.6" />
      <rect x="8" y="2" width="14" height="14" rx="3" fill="var(--accent)" />
    </svg>
  );
}
