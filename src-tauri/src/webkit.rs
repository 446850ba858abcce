//! WebKitGTK settings for a one-page door app: wry sets the view up as a general browser
//! would, with a browser-sized memory cache. See docs/benchmarks.md ("Desktop").

use tauri::WebviewWindow;

pub fn tune(window: &WebviewWindow) {
    let applied = window.with_webview(|platform| {
        use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
        let view = platform.inner();
        if let Some(context) = view.context() {
            // The smallest memory cache: the page is loaded once from the app itself, and
            // the camera preview is a new data: URL 4 times a second, which a browser-sized
            // cache would keep around.
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        // Feature switches (WebGL, media stream, page cache) are left as wry sets them:
        // changed after the view is built they stopped the page from loading at all
        // (WebKitGTK 2.50), and before it is built Tauri offers no hook.
    });
    if let Err(e) = applied {
        tracing::warn!(error = %e, "WebKit settings not applied");
    }
}
