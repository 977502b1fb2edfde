//! How Genqueue's window runs in WebKitGTK on Linux: painted with the CPU,
//! its JavaScript interpreted (no JIT), with a document viewer's cache. The
//! first two are environment variables the web process inherits.
//!
//! Painting with the CPU:
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
    set_unless_set(CPU_RENDERING, "1");
}

/// Elsewhere WebKitGTK is not the engine: nothing to do.
#[cfg(not(target_os = "linux"))]
pub fn prefer_cpu_painting() {}

/// JavaScriptCore's option for its JIT compilers (baseline, DFG, FTL; and
/// the regular-expression JIT): read from the environment (`JSC_` + the
/// option's name) by every process that runs JavaScriptCore, the web
/// process too.
pub const JIT: &str = "JSC_useJIT";

/// Runs the window's script in JavaScriptCore's interpreter (the LLInt),
/// without its JIT compilers (`JSC_useJIT=false`), unless the variable is
/// set already (`JSC_useJIT=true genqueue` gives them back).
///
/// The JIT tiers are for scripts that run hot for long; the window's script
/// renders a page a few times a second at most. What they cost it: memory
/// of their own while they compile, the code they make, and their part of
/// `libjavascriptcoregtk` paged in. Measured (BENCHMARKS.md, scenario 7;
/// WebKitGTK 2.50; the whole app, 1,000 generations through the window,
/// settled), in the runs of this change:
/// - every tier: +21 to +27 MiB (issue #12's goal: ≤ +15), web process
///   +17 to +22;
/// - without the optimizing tiers (`JSC_useDFGJIT=false`): +12 to +15,
///   web process +6 to +12;
/// - without any JIT: +9 to +13, web process +6 to +9, and ~9 MiB less
///   after start.
///
/// The web process's CPU time per generation during that run (8.2–8.5 ms)
/// and on opening History with 2,000 generations, and the time to the first
/// painted frame, were the same with and without.
///
/// Must run before any other thread exists (first thing in `run`): it
/// changes the process environment.
#[cfg(target_os = "linux")]
pub fn interpret_javascript() {
    set_unless_set(JIT, "false");
}

/// Elsewhere WebKitGTK is not the engine: nothing to do.
#[cfg(not(target_os = "linux"))]
pub fn interpret_javascript() {}

/// Sets `name=value` in this process's environment, which the processes it
/// starts (WebKit's web and network processes) inherit, unless the user set
/// `name` themselves.
///
/// Must run before any other thread exists (first thing in `run`).
pub(crate) fn set_unless_set(name: &str, value: &str) {
    if std::env::var_os(name).is_none() {
        // SAFETY: called at the start of `run()`, from `main`, before Tauri,
        // the logger or any runtime has started a thread; nothing reads the
        // environment concurrently.
        unsafe { std::env::set_var(name, value) };
    }
}

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
