//! Output files that are not pictures: a real playable video and a real WAV.
//!
//! - Video: `fixtures/ball.webm` (VP8 in WebM, 4 s; see `fixtures/README.md`
//!   for how it was made and why VP8), the same for every prediction: no
//!   well-kept pure-Rust video encoder exists to draw one per prompt.
//! - Audio: a 16-bit mono PCM WAV drawn here: a tone whose pitch comes from
//!   the prompt and seed, with a short fade in and out (RIFF/WAVE layout:
//!   the Microsoft "Multimedia Programming Interface and Data
//!   Specifications 1.0", `fmt ` chunk format 1 = PCM).

use crate::images::hash;

/// The simulated video model's output (WebM, VP8, 160×120, 4 s).
pub const BALL_WEBM: &[u8] = include_bytes!("../fixtures/ball.webm");

/// Sample rate of the WAV outputs, in Hz.
pub const WAV_RATE: u32 = 16_000;

/// Longest WAV made, in seconds (20 minutes: 38.4 MB at [`WAV_RATE`]).
pub const MAX_WAV_SECONDS: u32 = 1200;

/// A WAV of `seconds` (0.1–[`MAX_WAV_SECONDS`]) of a tone chosen by `prompt` and `seed`.
pub fn wav(prompt: &str, seed: u64, seconds: f64) -> Vec<u8> {
    let seconds = seconds.clamp(0.1, f64::from(MAX_WAV_SECONDS));
    let n = (f64::from(WAV_RATE) * seconds) as u32;
    let key = hash(&[prompt.as_bytes(), &seed.to_le_bytes()]);
    // A note between A3 (220 Hz) and A5 (880 Hz), on the equal-tempered scale.
    let semitone = (key % 25) as f64;
    let freq = 220.0 * 2f64.powf(semitone / 12.0);
    let fade = (WAV_RATE / 20).max(1) as f64;
    let data_len = n * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&WAV_RATE.to_le_bytes());
    out.extend_from_slice(&(WAV_RATE * 2).to_le_bytes()); // bytes a second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits a sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..n {
        let t = f64::from(i) / f64::from(WAV_RATE);
        let edge = (f64::from(i).min(f64::from(n - 1 - i)) / fade).min(1.0);
        let v = (t * freq * std::f64::consts::TAU).sin() * 0.4 * edge;
        out.extend_from_slice(&((v * f64::from(i16::MAX)) as i16).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_video_fixture_is_a_webm() {
        assert!(BALL_WEBM.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]));
        assert!(BALL_WEBM.windows(4).any(|w| w == b"webm"));
        assert!(BALL_WEBM.windows(5).any(|w| w == b"V_VP8"));
    }

    #[test]
    fn wav_headers_match_the_data() {
        let w = wav("a cat", 1, 1.0);
        assert_eq!(&w[..4], b"RIFF");
        assert_eq!(&w[8..16], b"WAVEfmt ");
        let riff_len = u32::from_le_bytes(w[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff_len + 8, w.len());
        let data_len = u32::from_le_bytes(w[40..44].try_into().unwrap()) as usize;
        assert_eq!(data_len, WAV_RATE as usize * 2);
        assert_ne!(wav("a cat", 1, 1.0), wav("a dog", 1, 1.0));
    }
}
