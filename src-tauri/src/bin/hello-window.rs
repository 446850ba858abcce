//! The benchmark's baseline: a bare Tauri window showing one line of HTML, built by the
//! same cargo build with the same Tauri features and profile as the app, so
//! docs/benchmarks.md can compare start time and memory against "Tauri itself".

use tauri::{WebviewUrl, WebviewWindowBuilder};

const PAGE: &str =
    "data:text/html,<!doctype html><title>Hello</title><h1 id=hello>Hello, world</h1>";

fn main() -> anyhow::Result<()> {
    tauri::Builder::default()
        .setup(|app| {
            let url = tauri::Url::parse(PAGE)?;
            WebviewWindowBuilder::new(app, "main", WebviewUrl::External(url))
                .title("Hello")
                .inner_size(1280.0, 800.0)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"))?;
    Ok(())
}
