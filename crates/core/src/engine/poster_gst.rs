//! Frames of a video file, decoded with GStreamer (Linux, feature
//! `video-poster`): the library WebKitGTK already plays video with, so its
//! demuxers and decoders (`gstreamer1.0-plugins-good`: matroska, vpx, isomp4;
//! H.264 when an installed plugin has it) are there wherever the window
//! plays a video.
//!
//! The clip is opened with `playbin` (video only) into
//! `videoconvert ! videoscale ! video/x-raw,format=RGBx,pixel-aspect-ratio=1/1
//! ! appsink`, set to PAUSED (it prerolls one frame), and each frame is taken
//! after an accurate flushing seek with appsink's `try-pull-preroll`.
//! Every wait ends at the caller's deadline.

use std::path::Path;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::poster::Frame;

/// A video opened and paused on its first frame.
pub struct Clip {
    pipeline: gst::Element,
    sink: gst::Element,
    deadline: Instant,
}

impl Drop for Clip {
    /// Back to NULL: the streaming threads stop and the file is closed.
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

fn clock_time(d: Duration) -> gst::ClockTime {
    gst::ClockTime::from_nseconds(d.as_nanos().min(u64::MAX as u128) as u64)
}

impl Clip {
    /// Opens `video` and waits (until `deadline`) for its first frame.
    /// Errors: GStreamer missing or failing to start, a file it cannot
    /// demux or decode, no video stream, the deadline.
    pub fn open(video: &Path, deadline: Instant) -> Result<Clip, String> {
        gst::init().map_err(|e| format!("GStreamer cannot start: {e}"))?;
        let uri = gst::glib::filename_to_uri(video, None).map_err(|e| e.to_string())?;
        let sink_bin = gst::parse_bin_from_description(
            "videoconvert ! videoscale \
             ! video/x-raw,format=RGBx,pixel-aspect-ratio=1/1 \
             ! appsink name=poster-sink sync=false enable-last-sample=false max-buffers=1",
            true,
        )
        .map_err(|e| format!("GStreamer elements missing: {e}"))?;
        let sink = sink_bin
            .by_name("poster-sink")
            .ok_or("GStreamer's appsink is missing")?;
        let pipeline = gst::ElementFactory::make("playbin")
            .property("uri", uri.as_str())
            .property("video-sink", &sink_bin)
            .build()
            .map_err(|e| format!("GStreamer's playbin is missing: {e}"))?;
        // Video only: no audio device is opened, no subtitles are looked for.
        pipeline.set_property_from_str("flags", "video");
        let clip = Clip {
            pipeline,
            sink,
            deadline,
        };
        clip.pipeline
            .set_state(gst::State::Paused)
            .map_err(|_| "the video cannot be opened".to_owned())?;
        clip.wait_prerolled()?;
        Ok(clip)
    }

    /// The clip's length, when the container says it.
    pub fn duration(&self) -> Option<Duration> {
        self.pipeline
            .query_duration::<gst::ClockTime>()
            .map(|t| Duration::from_nanos(t.nseconds()))
            .filter(|d| !d.is_zero())
    }

    /// The frame shown at `at` (the first one for zero).
    pub fn frame_at(&self, at: Duration) -> Result<Frame, String> {
        if !at.is_zero() {
            self.pipeline
                .seek_simple(
                    gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE,
                    clock_time(at),
                )
                .map_err(|e| format!("cannot seek in the video: {e}"))?;
            self.wait_prerolled()?;
        }
        let left = self.left()?;
        let sample = self
            .sink
            .emit_by_name::<Option<gst::Sample>>("try-pull-preroll", &[&clock_time(left)])
            .ok_or("no video frame")?;
        let size = sample
            .caps()
            .and_then(|c| c.structure(0))
            .and_then(|s| Some((s.get::<i32>("width").ok()?, s.get::<i32>("height").ok()?)));
        let Some((width, height)) = size.filter(|&(w, h)| w > 0 && h > 0) else {
            return Err("a video frame without a size".into());
        };
        let (width, height) = (width as u32, height as u32);
        let buffer = sample.buffer().ok_or("a video frame without data")?;
        let map = buffer
            .map_readable()
            .map_err(|_| "a video frame cannot be read")?;
        // RGBx: four bytes a pixel, rows one after another (a stride of
        // width × 4, always a multiple of 4, so no padding).
        let need = width as usize * height as usize * 4;
        let bytes = map.as_slice();
        if bytes.len() < need {
            return Err(format!(
                "a video frame is short ({} of {need} bytes)",
                bytes.len()
            ));
        }
        let rgb = bytes[..need]
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        Ok(Frame { width, height, rgb })
    }

    fn left(&self) -> Result<Duration, String> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err("decoding the video took too long".into())
        } else {
            Ok(left)
        }
    }

    /// Waits for the pipeline to hold a frame (ASYNC_DONE), an error or the end.
    fn wait_prerolled(&self) -> Result<(), String> {
        let bus = self.pipeline.bus().ok_or("a pipeline without a bus")?;
        loop {
            let left = self.left()?;
            let msg = bus
                .timed_pop_filtered(
                    clock_time(left),
                    &[
                        gst::MessageType::AsyncDone,
                        gst::MessageType::Error,
                        gst::MessageType::Eos,
                    ],
                )
                .ok_or("decoding the video took too long")?;
            match msg.view() {
                gst::MessageView::AsyncDone(_) => return Ok(()),
                gst::MessageView::Error(e) => return Err(e.error().to_string()),
                gst::MessageView::Eos(_) => return Err("the video has no frame".into()),
                _ => {}
            }
        }
    }
}
