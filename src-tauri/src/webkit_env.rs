//! How WebKitGTK paints Genqueue's window on Linux: with the CPU.
//!
//! WebKitGTK 2.46+ paints the page's tiles with Skia, on the GPU by default
//! and on the CPU (several painting threads) when
//! `WEBKIT_SKIA_ENABLE_CPU_RENDERING` is set to anything but `0` (read by
//! the web process; WebKit's `CoordinatedGraphicsLayerSkia.cpp`). It keeps
//! accelerated compositing (layers, video) either way: only how a tile's
//! pixels are drawn changes, not which pixels.
//!
//! Measured (BENCHMARKS.md, scenario 7; Xvfb, Mesa llvmpipe, WebKitGTK
//! 2.50): GPU painting costs Genqueue's web process ~60 MiB more PSS than
//! CPU painting (glyph and path caches, shader programs), the bare Tauri
//! app's only ~6 MiB; its pages are text, forms and thumbnails, which the
//! CPU paints without trouble. So the app asks for CPU painting, unless the
//! user has set the variable themselves (`WEBKIT_SKIA_ENABLE_CPU_RENDERING=0`
//! gives GPU painting back).

/// The variable WebKitGTK reads.
pub const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Sets `WEBKIT_SKIA_ENABLE_CPU_RENDERING=1` for the web process (which
/// inherits this process's environment) unless it is set already.
///
/// Must run before any other thread exists (first thing in `run`): it
/// changes the process environment.
#[cfg(target_os = "linux")]
pub fn prefer_cpu_painting() {
    if std::env::var_os(CPU_RENDERING).is_none() {
        // SAFETY: called at the start of `run()`, from `main`, before Tauri,
        // the logger or any runtime has started a thread; nothing reads the
        // environment concurrently.
        unsafe { std::env::set_var(CPU_RENDERING, "1") };
    }
}

/// Elsewhere WebKitGTK is not the engine: nothing to do.
#[cfg(not(target_os = "linux"))]
pub fn prefer_cpu_painting() {}

/// Asks WebKit to keep as little as a document viewer does: no resources
/// nobody shows (decoded images, style sheets, scripts of pages left) kept
/// for a later visit, no back/forward page cache. WebKit's default for an
/// app (`WEBKIT_CACHE_MODEL_WEB_BROWSER`) keeps up to half its memory cache
/// "dead" for reuse; the window's pages come from the app itself, so
/// reloading them is cheap (`webkit_web_context_set_cache_model`; WebKit's
/// `CacheModel.cpp`: `DocumentViewer` sets the dead-resource capacity and the
/// back/forward cache to 0).
///
/// Applies to every page of the main window's web context from then on.
#[cfg(target_os = "linux")]
pub fn document_viewer_cache(app: &tauri::AppHandle) {
    use tauri::Manager;
    use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let done = window.with_webview(|webview| {
        if let Some(context) = webview.inner().context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    });
    if let Err(e) = done {
        tracing::warn!(error = %e, "cannot set the window's cache model");
    }
}

/// Elsewhere WebKitGTK is not the engine: nothing to do.
#[cfg(not(target_os = "linux"))]
pub fn document_viewer_cache(_app: &tauri::AppHandle) {}
