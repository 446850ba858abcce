//! The benchmark's baseline: a bare Tauri window showing one line of HTML, built by the
//! same cargo build with the same Tauri features and profile as the app, so
//! docs/benchmarks.md can compare start time and memory against "Tauri itself". The page
//! comes from a custom URI scheme, the same path the app's own assets take. It picks
//! WebKit's painter as the app does (`renderer.rs`), so both are measured on the same one.

#[cfg(target_os = "linux")]
#[path = "../renderer.rs"]
mod renderer;
#[path = "../startup.rs"]
mod startup;

use tauri::http::Response;
use tauri::{WebviewUrl, WebviewWindowBuilder};

const PAGE: &[u8] = b"<!doctype html><title>Hello</title><h1 id=hello>Hello, world</h1>";

fn main() -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    renderer::choose();
    startup::mark("main");
    tauri::Builder::default()
        .register_uri_scheme_protocol("hello", |_ctx, _request| {
            let mut response = Response::new(PAGE.to_vec());
            if let Ok(value) = "text/html".parse() {
                response.headers_mut().insert("content-type", value);
            }
            response
        })
        .setup(|app| {
            startup::mark("setup");
            let url = tauri::Url::parse("hello://localhost/")?;
            WebviewWindowBuilder::new(app, "main", WebviewUrl::CustomProtocol(url))
                .title("Hello")
                .inner_size(1280.0, 800.0)
                .build()?;
            startup::mark("window-built");
            Ok(())
        })
        .run(tauri::generate_context!())?;
    Ok(())
}
