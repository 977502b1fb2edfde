//! A video result's poster frame: a PNG beside the video
//! ([`crate::paths::poster_path`]) that stands for it in the window's lists
//! and in its notification, made when the outputs are saved.
//!
//! Only a result that a video stands for gets one: its first picture or
//! video is a video (a picture stands for itself). The frame is taken near
//! the start — a tenth into the clip, at most 1 s in — and, when that frame
//! is one flat colour (a fade from black), at a quarter, then half way.
//! It keeps the video's shape, at most [`POSTER_MAX_SIDE`] pixels a side.
//!
//! Decoding runs on a blocking thread and gives up after [`POSTER_TIMEOUT`];
//! a poster that cannot be made is logged and the result is saved without
//! it (the window then draws the video's first frame itself). Decoding needs
//! GStreamer (Linux, the default feature `video-poster`); elsewhere no poster
//! is made.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::sniff::{OutputKind, output_kind};
use crate::paths::{poster_path, resolve_output_path};

/// Longest side of a poster, in pixels.
pub const POSTER_MAX_SIDE: u32 = 512;
/// How long making one poster may take (GStreamer's first start reads its
/// plugins, which takes a second or two; a frame then takes milliseconds).
pub const POSTER_TIMEOUT: Duration = Duration::from_secs(15);

/// A decoded frame: RGB, 3 bytes a pixel, rows one after another.
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// The video that gets a poster among a result's files (names or stored
/// paths): the file that stands for the result in the window's lists (its
/// first picture or video: `thumbFile` in `ui/src/lib/outputs.ts`), when that
/// is a video.
pub fn poster_video(files: &[String]) -> Option<&str> {
    files
        .iter()
        .find(|f| matches!(output_kind(f), OutputKind::Image | OutputKind::Video))
        .filter(|f| output_kind(f) == OutputKind::Video)
        .map(String::as_str)
}

/// The poster of a saved result (its stored `output_files`), on disk, when
/// one was made.
pub fn saved_poster(data_dir: &Path, files: &[String]) -> Option<PathBuf> {
    let video = poster_video(files)?;
    let poster = resolve_output_path(data_dir, &poster_path(video));
    poster.is_file().then_some(poster)
}

/// Makes the poster of the result saved as `names` in `dir`, if a video
/// stands for it ([`poster_video`]). Never fails: a poster that cannot be made is
/// logged (`generation` names it) and skipped.
pub async fn make_poster_for(dir: &Path, names: &[String], generation: &str) {
    let Some(video) = poster_video(names) else {
        return;
    };
    let video = dir.join(video);
    let poster = PathBuf::from(poster_path(&video.to_string_lossy()));
    let deadline = Instant::now() + POSTER_TIMEOUT;
    let job = tokio::task::spawn_blocking({
        let (video, poster) = (video.clone(), poster.clone());
        move || write_poster(&video, &poster, deadline)
    });
    // The blocking thread ends by the deadline itself; a second more covers
    // the PNG's writing.
    let made = match tokio::time::timeout(POSTER_TIMEOUT + Duration::from_secs(1), job).await {
        Ok(Ok(made)) => made,
        Ok(Err(e)) => Err(format!("the poster's thread failed: {e}")),
        Err(_) => Err("decoding the video took too long".into()),
    };
    match made {
        Ok(()) => tracing::debug!(generation, poster = %poster.display(), "poster frame made"),
        Err(e) => tracing::warn!(generation, error = %e, "no poster frame for a video output"),
    }
}

/// Decodes a frame of `video` and writes it as a PNG to `poster` (through
/// `<poster>.part`, so a poster is whole or absent).
pub fn write_poster(video: &Path, poster: &Path, deadline: Instant) -> Result<(), String> {
    let frame = pick_frame(video, deadline)?;
    let img = image::RgbImage::from_raw(frame.width, frame.height, frame.rgb)
        .ok_or("a video frame of the wrong size")?;
    let img = if img.width().max(img.height()) > POSTER_MAX_SIDE {
        image::DynamicImage::ImageRgb8(img)
            .thumbnail(POSTER_MAX_SIDE, POSTER_MAX_SIDE)
            .into_rgb8()
    } else {
        img
    };
    let part = PathBuf::from(format!("{}.part", poster.display()));
    img.save_with_format(&part, image::ImageFormat::Png)
        .map_err(|e| format!("cannot write the poster: {e}"))?;
    std::fs::rename(&part, poster).map_err(|e| {
        let _ = std::fs::remove_file(&part);
        format!("cannot write the poster: {e}")
    })
}

/// Where to look for the poster frame in a clip of `duration` (first
/// choice first): a tenth in (at most 1 s), a quarter, half way.
pub fn frame_times(duration: Option<Duration>) -> Vec<Duration> {
    match duration {
        None => vec![Duration::ZERO],
        Some(d) => vec![(d / 10).min(Duration::from_secs(1)), d / 4, d / 2],
    }
}

/// True when every pixel is within a few levels of one colour (a black or
/// flat frame, which says nothing about the clip).
pub fn is_flat(frame: &Frame) -> bool {
    /// Levels a channel may vary by in a "flat" frame (compression noise).
    const SPREAD: u8 = 24;
    let mut lo = [u8::MAX; 3];
    let mut hi = [0u8; 3];
    for px in frame.rgb.chunks_exact(3) {
        for c in 0..3 {
            lo[c] = lo[c].min(px[c]);
            hi[c] = hi[c].max(px[c]);
        }
    }
    (0..3).all(|c| hi[c].saturating_sub(lo[c]) <= SPREAD)
}

#[cfg(all(feature = "video-poster", target_os = "linux"))]
fn pick_frame(video: &Path, deadline: Instant) -> Result<Frame, String> {
    let clip = super::poster_gst::Clip::open(video, deadline)?;
    let mut first: Option<Frame> = None;
    for at in frame_times(clip.duration()) {
        let frame = match clip.frame_at(at) {
            Ok(f) => f,
            // A later frame that fails leaves the first one.
            Err(e) if first.is_some() => {
                tracing::debug!(error = %e, "no later frame for a poster");
                break;
            }
            Err(e) => return Err(e),
        };
        if !is_flat(&frame) {
            return Ok(frame);
        }
        first.get_or_insert(frame);
    }
    first.ok_or_else(|| "the video has no frame".into())
}

#[cfg(not(all(feature = "video-poster", target_os = "linux")))]
fn pick_frame(_video: &Path, _deadline: Instant) -> Result<Frame, String> {
    Err("poster frames are made only on Linux, with GStreamer (feature video-poster)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(width: u32, height: u32, rgb: [u8; 3]) -> Frame {
        Frame {
            width,
            height,
            rgb: rgb.repeat((width * height) as usize),
        }
    }

    #[test]
    fn the_video_standing_for_a_result_gets_a_poster_a_picture_needs_none() {
        let files = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            poster_video(&files(&["0-audio.wav", "1-video.webm", "2.mp4"])),
            Some("1-video.webm")
        );
        assert_eq!(
            poster_video(&files(&["0-video.webm", "1-cover.jpg"])),
            Some("0-video.webm")
        );
        assert_eq!(poster_video(&files(&["0-cover.jpg", "1-video.webm"])), None);
        assert_eq!(poster_video(&files(&["0.wav", "text.txt"])), None);
    }

    #[test]
    fn the_frame_is_looked_for_near_the_start_then_further_in() {
        let s = Duration::from_secs;
        assert_eq!(
            frame_times(Some(s(4))),
            vec![Duration::from_millis(400), s(1), s(2)]
        );
        assert_eq!(frame_times(Some(s(60)))[0], s(1), "at most a second in");
        assert_eq!(frame_times(None), vec![Duration::ZERO]);
    }

    #[test]
    fn a_black_frame_is_flat_and_a_ball_on_it_is_not() {
        let mut frame = flat(8, 8, [3, 0, 6]);
        assert!(is_flat(&frame));
        frame.rgb[27..30].copy_from_slice(&[250, 250, 250]);
        assert!(!is_flat(&frame));
    }

    #[cfg(all(feature = "video-poster", target_os = "linux"))]
    #[test]
    fn the_sims_webm_gets_a_poster_of_its_size_showing_the_ball() {
        let video = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/fixtures/ball.webm");
        let dir = tempfile::tempdir().unwrap();
        let poster = dir.path().join("0.poster.png");
        write_poster(&video, &poster, Instant::now() + POSTER_TIMEOUT).unwrap();
        let img = image::open(&poster).unwrap().into_rgb8();
        assert_eq!((img.width(), img.height()), (160, 120));
        let frame = Frame {
            width: img.width(),
            height: img.height(),
            rgb: img.into_raw(),
        };
        assert!(!is_flat(&frame), "the poster shows the ball");
        assert!(!dir.path().join("0.poster.png.part").exists());
    }

    #[cfg(all(feature = "video-poster", target_os = "linux"))]
    #[test]
    fn a_clip_that_starts_black_gets_a_poster_from_further_in() {
        let video =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine/testdata/black-start.webm");
        let deadline = Instant::now() + POSTER_TIMEOUT;
        let clip = super::super::poster_gst::Clip::open(&video, deadline).unwrap();
        assert!(
            is_flat(&clip.frame_at(Duration::ZERO).unwrap()),
            "the clip starts black"
        );
        drop(clip);
        let frame = pick_frame(&video, deadline).unwrap();
        assert_eq!((frame.width, frame.height), (160, 120));
        assert!(!is_flat(&frame), "the poster skips the black second");
    }

    #[test]
    fn a_file_that_is_no_video_gives_an_error_and_no_poster() {
        let dir = tempfile::tempdir().unwrap();
        let video = dir.path().join("0.webm");
        std::fs::write(&video, b"\x1a\x45\xdf\xa3 this is not a video at all").unwrap();
        let poster = dir.path().join("0.poster.png");
        let started = Instant::now();
        assert!(write_poster(&video, &poster, Instant::now() + POSTER_TIMEOUT).is_err());
        assert!(!poster.exists());
        assert!(
            started.elapsed() < POSTER_TIMEOUT,
            "it fails, not times out"
        );
    }
}
