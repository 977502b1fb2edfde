//! Bodies as Replicate sends them, with where each comes from.

/// "Get a prediction" example from Replicate's HTTP API docs, as copied into
/// replicate/replicate-python-beta `src/replicate/resources/predictions.py`.
pub const DOCS_GET_PREDICTION: &str = r#"{
  "id": "gm3qorzdhgbfurvjtvhg6dckhu",
  "model": "replicate/hello-world",
  "version": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
  "input": {
    "text": "Alice"
  },
  "logs": "",
  "output": "hello Alice",
  "error": null,
  "status": "succeeded",
  "created_at": "2023-09-08T16:19:34.765994Z",
  "data_removed": false,
  "started_at": "2023-09-08T16:19:34.779176Z",
  "completed_at": "2023-09-08T16:19:34.791859Z",
  "metrics": {
    "predict_time": 0.012683
  },
  "urls": {
    "cancel": "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel",
    "get": "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu"
  }
}"#;

/// "List predictions" example from the same docs (same source file).
pub const DOCS_LIST_PREDICTIONS: &str = r#"{
  "next": null,
  "previous": null,
  "results": [
    {
      "completed_at": "2023-09-08T16:19:34.791859Z",
      "created_at": "2023-09-08T16:19:34.907244Z",
      "data_removed": false,
      "error": null,
      "id": "gm3qorzdhgbfurvjtvhg6dckhu",
      "input": {
        "text": "Alice"
      },
      "metrics": {
        "predict_time": 0.012683
      },
      "output": "hello Alice",
      "started_at": "2023-09-08T16:19:34.779176Z",
      "source": "api",
      "status": "succeeded",
      "urls": {
        "get": "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu",
        "cancel": "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel"
      },
      "model": "replicate/hello-world",
      "version": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"
    }
  ]
}"#;

/// A create answer held open with `Prefer: wait`: still `processing` but
/// already carrying its output inlined (Replicate's "Create a prediction"
/// docs, sync mode: "status may still be in a non-terminal state"; changelog
/// 2024-10-09 shows `{"id": …, "status": "processing", "output": [...]}`).
/// The data URI is a 1×1 PNG; the second is a WebP head labelled
/// `application/octet-stream`.
pub const SYNC_CREATE_WITH_DATA_URIS: &str = r#"{
  "id": "dapztkbwgxrg20cfgsmrz2gm38",
  "model": "black-forest-labs/flux-schnell",
  "version": "dp-4d0bcc010b3049749a251855f12800be",
  "input": {"prompt": "a cat riding a narwhal with rainbows", "num_outputs": 2},
  "logs": "",
  "output": [
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    "data:application/octet-stream;base64,UklGRhoAAABXRUJQVlA4IA4AAAA="
  ],
  "data_removed": false,
  "error": null,
  "status": "processing",
  "created_at": "2024-10-09T10:11:12.123Z",
  "urls": {
    "cancel": "https://api.replicate.com/v1/predictions/dapztkbwgxrg20cfgsmrz2gm38/cancel",
    "get": "https://api.replicate.com/v1/predictions/dapztkbwgxrg20cfgsmrz2gm38",
    "stream": "https://stream.replicate.com/v1/files/abc",
    "web": "https://replicate.com/p/dapztkbwgxrg20cfgsmrz2gm38"
  }
}"#;

/// `GET /account` example from Replicate's docs (replicate-python-beta
/// `resources/account.py`).
pub const DOCS_ACCOUNT: &str = r#"{
  "type": "organization",
  "username": "acme",
  "name": "Acme Corp, Inc.",
  "github_url": "https://github.com/acme"
}"#;

/// A 429 for an account low on credit, as quoted in nodetool-ai/nodetool#5196.
pub const THROTTLED_LOW_CREDIT: &str = r#"{"detail":"Request was throttled. Your rate limit for creating predictions is reduced to 6 requests per minute with a burst of 1 requests while you have less than $5.0 in credit. Your rate limit resets in ~5s.","status":429,"retry_after":5}"#;

/// A 401 as problem details (fields per replicate-python `ReplicateError`).
pub const UNAUTHENTICATED: &str = r#"{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}"#;

/// A 422 for an input out of range, in Replicate's problem-details shape.
pub const INVALID_INPUT: &str = r#"{"title":"Input validation failed","detail":"- input.num_outputs: Must be less than or equal to 4\n","status":422,"invalid_fields":[{"type":"less_than_equal","field":"input.num_outputs","description":"Must be less than or equal to 4"}]}"#;

/// What a load balancer in front answers when the backend is gone.
pub const PROXY_502_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title><style>body{color:red}</style></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n<script>var x = '<b>';</script></body>\r\n</html>\r\n";

/// `GET /models/{owner}/{name}` for a model whose schema follows Cog's
/// conventions: enums as `allOf: [{$ref}]` into other components, `x-order`
/// for the form order. Modelled on black-forest-labs/flux-schnell's
/// published input schema (abridged); the `inline_enum` and `lora_scale`
/// fields show the inline `allOf` and nullable `anyOf` shapes other models use.
pub const FLUX_LIKE_MODEL: &str = r##"{
  "url": "https://replicate.com/black-forest-labs/flux-schnell",
  "owner": "black-forest-labs",
  "name": "flux-schnell",
  "description": "The fastest image generation model tailored for local development and personal use",
  "visibility": "public",
  "run_count": 123456789,
  "latest_version": {
    "id": "c846a69991daf4c0e5d016514849d14ee5b2e6846ce6b9d6f21369e564cfe51e",
    "created_at": "2024-08-29T19:53:12.431219Z",
    "cog_version": "0.9.21",
    "openapi_schema": {
      "openapi": "3.0.2",
      "components": {
        "schemas": {
          "Input": {
            "type": "object",
            "title": "Input",
            "required": ["prompt"],
            "properties": {
              "seed": {"type": "integer", "title": "Seed", "x-order": 1, "description": "Random seed. Set for reproducible generation"},
              "prompt": {"type": "string", "title": "Prompt", "x-order": 0, "description": "Prompt for generated image"},
              "go_fast": {"type": "boolean", "title": "Go Fast", "default": true, "x-order": 8},
              "megapixels": {"allOf": [{"$ref": "#/components/schemas/megapixels"}], "default": "1", "x-order": 9},
              "num_outputs": {"type": "integer", "title": "Num Outputs", "default": 1, "maximum": 4, "minimum": 1, "x-order": 2},
              "aspect_ratio": {"allOf": [{"$ref": "#/components/schemas/aspect_ratio"}], "default": "1:1", "x-order": 3, "description": "Aspect ratio for the generated image"},
              "output_format": {"allOf": [{"$ref": "#/components/schemas/output_format"}], "default": "webp", "x-order": 4},
              "output_quality": {"type": "integer", "title": "Output Quality", "default": 80, "maximum": 100, "minimum": 0, "x-order": 5},
              "guidance": {"type": "number", "title": "Guidance", "default": 3.5, "maximum": 10, "minimum": 0, "x-order": 6},
              "image": {"type": "string", "format": "uri", "title": "Image", "x-order": 7},
              "inline_enum": {"allOf": [{"enum": ["1K", "2K", "4K"], "type": "string", "title": "size", "description": "An enumeration."}], "default": "2K", "x-order": 10},
              "lora_scale": {"anyOf": [{"type": "number", "maximum": 2, "minimum": -1}, {"type": "null"}], "title": "Lora Scale", "x-order": 11},
              "extra": {"type": "object", "title": "Extra"}
            }
          },
          "megapixels": {"enum": ["1", "0.25"], "type": "string", "title": "megapixels", "description": "An enumeration."},
          "aspect_ratio": {"enum": ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"], "type": "string", "title": "aspect_ratio", "description": "An enumeration."},
          "output_format": {"enum": ["webp", "jpg", "png"], "type": "string", "title": "output_format", "description": "An enumeration."},
          "Output": {"type": "array", "items": {"type": "string", "format": "uri"}, "title": "Output"}
        }
      }
    }
  }
}"##;
