//! The simulator's models of other output kinds: a video, an audio, a text
//! (language) model and one whose output is an object of named files.
//!
//! They are the simulator's own (owner `replicate-sim`), not copies of real
//! models, but shaped as Cog shapes real ones (`openapi_schema`
//! `components.schemas.Output`): a video or audio model returns one file as
//! a string (`{"type": "string", "format": "uri"}`); a language model a list
//! of strings to be joined (`"x-cog-array-type": "iterator"`,
//! `"x-cog-array-display": "concatenate"`, as Cog writes for a
//! `ConcatenateIterator[str]` output); an object output is an object schema
//! with one property per file.

use serde_json::json;

use crate::catalogue::{Model, Props, Sizing};

/// Owner of the simulator's own models.
pub const SIM_OWNER: &str = "replicate-sim";

fn uri_output() -> serde_json::Value {
    json!({"type": "string", "format": "uri", "title": "Output"})
}

/// A short looping video of a bouncing ball (WebM).
pub fn bouncing_ball() -> Model {
    let mut p = Props::new();
    p.add("prompt", json!({"type": "string", "description": "Text prompt for the video"}))
        .required("prompt")
        .add(
            "duration",
            json!({"type": "integer", "default": 4, "minimum": 1, "maximum": 4, "description": "Length of the video in seconds"}),
        )
        .add("seed", json!({"type": "integer", "description": "Random seed. Leave blank to randomize the seed"}));
    Model {
        owner: SIM_OWNER,
        name: "bouncing-ball",
        description: "Text-to-video: a short clip of a bouncing ball, as a playable WebM video",
        version_id: "5d1c0c2a4b7e9f3a8d6e1b2c4f7a9e0d3b5c8a1f4e7d0c3b6a9f2e5d8c1b4a7e",
        official: true,
        cog_version: "0.16.8",
        version_created_at: "2025-09-01T10:00:00.000000Z",
        run_count: 1_204_311,
        schema: p.schema(uri_output()),
        sizing: Sizing::Video,
    }
}

/// A tone in a WAV file.
pub fn tone() -> Model {
    let mut p = Props::new();
    p.add("prompt", json!({"type": "string", "description": "Describe the sound or music"}))
        .required("prompt")
        .add(
            "duration",
            json!({"type": "integer", "default": 3, "minimum": 1, "maximum": 30, "description": "Length of the audio in seconds"}),
        )
        .add("seed", json!({"type": "integer", "description": "Random seed. Leave blank to randomize the seed"}));
    Model {
        owner: SIM_OWNER,
        name: "tone",
        description: "Text-to-audio: music generation reduced to one pure tone, as a WAV file",
        version_id: "a7e4b1d8c5f2a9e6b3d0c7f4a1e8b5d2c9f6a3e0b7d4c1f8a5e2b9d6c3f0a7e4",
        official: true,
        cog_version: "0.16.8",
        version_created_at: "2025-09-01T10:05:00.000000Z",
        run_count: 402_118,
        schema: p.schema(uri_output()),
        sizing: Sizing::Audio,
    }
}

/// A long ambient recording in one large WAV file (up to 20 minutes, 38 MB):
/// the output whose download takes long enough to show its progress.
pub fn soundscape() -> Model {
    let mut p = Props::new();
    p.add("prompt", json!({"type": "string", "description": "Describe the place to record"}))
        .required("prompt")
        .add(
            "duration",
            json!({"type": "integer", "default": 300, "minimum": 1, "maximum": crate::media::MAX_WAV_SECONDS, "description": "Length of the recording in seconds"}),
        )
        .add("seed", json!({"type": "integer", "description": "Random seed. Leave blank to randomize the seed"}));
    Model {
        owner: SIM_OWNER,
        name: "soundscape",
        description: "Text-to-audio: a long ambient recording of a place, as one large WAV file",
        version_id: "e9b2c5f8a1d4e7b0c3f6a9d2e5b8c1f4a7d0e3b6c9f2a5d8e1b4c7f0a3d6e9b2",
        official: true,
        cog_version: "0.16.8",
        version_created_at: "2025-09-01T10:07:00.000000Z",
        run_count: 18_442,
        schema: p.schema(uri_output()),
        sizing: Sizing::Audio,
    }
}

/// A language model that answers with a list of tokens.
pub fn storyteller() -> Model {
    let mut p = Props::new();
    p.add("prompt", json!({"type": "string", "description": "Prompt to send to the model"}))
        .required("prompt")
        .add(
            "max_tokens",
            json!({"type": "integer", "default": 128, "minimum": 1, "maximum": 1024, "description": "Maximum number of tokens to generate"}),
        )
        .add(
            "temperature",
            json!({"type": "number", "default": 0.7, "minimum": 0, "maximum": 2, "description": "Randomness of the output"}),
        );
    let output = json!({
        "type": "array", "items": {"type": "string"}, "title": "Output",
        "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate"
    });
    Model {
        owner: SIM_OWNER,
        name: "storyteller",
        description: "A small language model that writes a short story from your prompt, streamed token by token",
        version_id: "c3f0a7e4b1d8c5f2a9e6b3d0c7f4a1e8b5d2c9f6a3e0b7d4c1f8a5e2b9d6c3f0",
        official: true,
        cog_version: "0.16.8",
        version_created_at: "2025-09-01T10:10:00.000000Z",
        run_count: 8_530_004,
        schema: p.schema(output),
        sizing: Sizing::Text,
    }
}

/// A video and its soundtrack, as an object of named files.
pub fn video_with_audio() -> Model {
    let mut p = Props::new();
    p.add(
        "prompt",
        json!({"type": "string", "description": "Text prompt for the clip and its soundtrack"}),
    )
    .required("prompt")
    .add(
        "seed",
        json!({"type": "integer", "description": "Random seed. Leave blank to randomize the seed"}),
    );
    let output = json!({
        "type": "object", "title": "Output",
        "properties": {
            "video": {"type": "string", "format": "uri", "title": "Video"},
            "audio": {"type": "string", "format": "uri", "title": "Audio"}
        },
        "required": ["video", "audio"]
    });
    Model {
        owner: SIM_OWNER,
        name: "video-with-audio",
        description: "A clip and its soundtrack as separate named files: video (WebM) and audio (WAV)",
        version_id: "e8b5d2c9f6a3e0b7d4c1f8a5e2b9d6c3f0a7e4b1d8c5f2a9e6b3d0c7f4a1e8b5",
        official: true,
        cog_version: "0.16.8",
        version_created_at: "2025-09-01T10:15:00.000000Z",
        run_count: 77_020,
        schema: p.schema(output),
        sizing: Sizing::VideoWithAudio,
    }
}

/// The names of [`video_with_audio`]'s output properties, in output order.
pub const VIDEO_WITH_AUDIO_KEYS: [&str; 2] = ["video", "audio"];

/// The story [`storyteller`] tells for `prompt`, as tokens (each word with
/// its leading space), at most `max_tokens`.
pub fn story_tokens(prompt: &str, max_tokens: usize) -> Vec<String> {
    let prompt = prompt.trim();
    let subject = if prompt.is_empty() {
        "nothing in particular"
    } else {
        prompt
    };
    let text = format!(
        "Once upon a time there was {subject}. Every morning it woke before the sun, \
         looked at the sky and decided that today would be a good day. \
         And so it was. The end."
    );
    let mut tokens = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        tokens.push(if i == 0 {
            word.to_string()
        } else {
            format!(" {word}")
        });
    }
    tokens.truncate(max_tokens.max(1));
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn story_tokens_join_into_the_story() {
        let t = story_tokens("a red fox", 1000);
        assert!(
            t.concat()
                .starts_with("Once upon a time there was a red fox.")
        );
        assert_eq!(story_tokens("x", 3).len(), 3);
    }

    #[test]
    fn output_schemas_say_their_shape() {
        assert_eq!(
            bouncing_ball().schema["components"]["schemas"]["Output"]["format"],
            "uri"
        );
        assert_eq!(
            storyteller().schema["components"]["schemas"]["Output"]["x-cog-array-display"],
            "concatenate"
        );
        let props = &video_with_audio().schema["components"]["schemas"]["Output"]["properties"];
        for key in VIDEO_WITH_AUDIO_KEYS {
            assert!(props.get(key).is_some());
        }
    }
}
