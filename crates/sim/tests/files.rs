//! The Files API over real HTTP: create, get, list, delete, all scoped to
//! the uploading account; the size cap's 413; expiry; and file inputs of
//! predictions (an uploaded file, a `data:` URI, another account's file).

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::Env;
use replicate_sim::SimConfig;
use serde_json::{Value, json};

/// `POST /v1/files` with a multipart body (part `content` with its name and type).
async fn upload(env: &Env, token: &str, bytes: &[u8], name: &str, mime: &str) -> reqwest::Response {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--B0undary\r\nContent-Disposition: form-data; name=\"content\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--B0undary\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{\"ref\": 7}\r\n--B0undary--\r\n");
    env.client
        .post(env.url("/files"))
        .bearer_auth(token)
        .header("Content-Type", "multipart/form-data; boundary=B0undary")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_file_is_created_read_listed_and_deleted_by_its_own_account_only() {
    let env = Env::start().await;
    let created = upload(&env, &env.alice, b"hello", "a.txt", "text/plain").await;
    assert_eq!(created.status(), 201);
    let f: Value = created.json().await.unwrap();
    assert_eq!(f["name"], "a.txt");
    assert_eq!(f["content_type"], "text/plain");
    assert_eq!(f["size"], 5);
    assert_eq!(f["metadata"], json!({"ref": 7}));
    assert_eq!(
        f["checksums"]["sha256"],
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    let id = f["id"].as_str().unwrap();
    assert_eq!(f["urls"]["get"], env.url(&format!("/files/{id}")));
    let created_at =
        chrono::DateTime::parse_from_rfc3339(f["created_at"].as_str().unwrap()).unwrap();
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(f["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires_at - created_at, chrono::Duration::hours(24));

    let path = format!("/files/{id}");
    assert_eq!(
        env.get(&env.alice, &path).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        env.get(&env.bob, &path).send().await.unwrap().status(),
        404,
        "another account's file"
    );
    let list: Value = env
        .get(&env.alice, "/files")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["results"][0]["id"], id);
    let bobs: Value = env
        .get(&env.bob, "/files")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bobs["results"], json!([]));
    let delete = |t: &str| {
        env.client
            .delete(env.url(&path))
            .bearer_auth(t.to_owned())
            .send()
    };
    assert_eq!(delete(&env.bob).await.unwrap().status(), 404);
    assert_eq!(delete(&env.alice).await.unwrap().status(), 204);
    assert_eq!(
        env.get(&env.alice, &path).send().await.unwrap().status(),
        404
    );
    assert_eq!(env.sim.stats().uploads_by_account.get("alice"), Some(&1));
}

#[tokio::test]
async fn a_file_over_the_cap_answers_413_with_an_html_page() {
    let mut config = SimConfig::fast();
    config.file_size_cap = 1000;
    let env = Env::with(config).await;
    let r = upload(
        &env,
        &env.alice,
        &[7u8; 2000],
        "big.bin",
        "application/octet-stream",
    )
    .await;
    assert_eq!(r.status(), 413);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("413 Request Entity Too Large")
    );
    assert!(env.sim.stats().uploads_by_account.is_empty());
}

#[tokio::test]
async fn a_file_expires_after_its_lifetime() {
    let mut config = SimConfig::fast();
    config.file_ttl = Duration::from_millis(200);
    let env = Env::with(config).await;
    let f: Value = upload(&env, &env.alice, b"x", "x.txt", "text/plain")
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/files/{}", f["id"].as_str().unwrap());
    assert_eq!(
        env.get(&env.alice, &path).send().await.unwrap().status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        env.get(&env.alice, &path).send().await.unwrap().status(),
        404
    );
}

async fn edit(env: &Env, token: &str, image: &str) -> reqwest::Response {
    env.post(
        token,
        "/models/black-forest-labs/flux-kontext-pro/predictions",
        json!({"input": {"prompt": "negative", "input_image": image, "output_format": "png"}}),
    )
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn an_edit_reads_its_own_uploaded_file_and_a_data_uri_and_refuses_another_accounts() {
    let env = Env::start().await;
    let bytes = png(3, 2, [10, 100, 250]);
    let f: Value = upload(&env, &env.alice, &bytes, "p.png", "image/png")
        .await
        .json()
        .await
        .unwrap();
    let url = f["urls"]["get"].as_str().unwrap();

    let refused = edit(&env, &env.bob, url).await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["invalid_fields"][0]["field"], "input.input_image");
    assert_eq!(env.sim.stats().foreign_file_inputs, 1);

    let data = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    );
    for image in [url.to_owned(), data] {
        let r = edit(&env, &env.alice, &image).await;
        assert_eq!(r.status(), 201);
        let p: Value = r.json().await.unwrap();
        let done = env.finish(&env.alice, p["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "succeeded", "{done}");
        let out = done["output"].as_str().expect("one file, not a list");
        let got = env
            .client
            .get(out)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let img = image::load_from_memory(&got).unwrap().to_rgb8();
        assert_eq!((img.width(), img.height()), (3, 2));
        assert_eq!(
            img.get_pixel(2, 1).0,
            [245, 155, 5],
            "inverted input pixels"
        );
    }
    assert_eq!(
        env.sim.stats().file_inputs_by_account.get("alice"),
        Some(&1)
    );
}

#[tokio::test]
async fn a_file_that_is_not_an_image_fails_the_edit_with_the_models_error() {
    let env = Env::start().await;
    let r = edit(&env, &env.alice, "data:text/plain;base64,aGVsbG8=").await;
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    let done = env.finish(&env.alice, p["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed");
    assert!(
        done["error"]
            .as_str()
            .unwrap()
            .contains("cannot identify image file")
    );
}
