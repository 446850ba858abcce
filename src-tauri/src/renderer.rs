//! Which painter WebKitGTK uses for the window. WebKit paints through OpenGL whenever
//! OpenGL is there, but on a machine without a GPU driver (no DRM render node: virtual
//! machines, thin clients, many unattended kiosks, CI) that OpenGL is Mesa's llvmpipe, a
//! CPU emulation of a GPU. Painting through it is slower than WebKit's own CPU painter
//! (Skia) and keeps a texture per layer in the web process's memory. On such machines the
//! door asks WebKit for the CPU painter; with a GPU, WebKit's default stays. Measured in
//! docs/benchmarks.md ("Desktop").
//!
//! Shared with the benchmark's bare window (`bin/hello-window.rs`), so both are compared
//! on the same painter.

use std::path::Path;

/// WebKitGTK's switch for its CPU painter; any value but `0` turns it on. A value already
/// in the environment is the user's choice and is kept.
const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Where Linux lists GPU render nodes (`renderD128`, ...).
const DRI: &str = "/dev/dri";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Painter {
    /// The user set the WebKit variable; nothing was changed.
    AsConfigured,
    /// A GPU render node exists: WebKit's default (OpenGL) painter.
    Gpu,
    /// No GPU render node: WebKit's CPU painter was asked for.
    Cpu,
}

/// Picks the painter for this machine. Call it first thing in `main`, before any thread
/// exists: it may set an environment variable, which WebKit's processes read when they
/// start.
pub fn choose() -> Painter {
    if std::env::var_os(CPU_RENDERING).is_some() {
        return Painter::AsConfigured;
    }
    let painter = painter_for(Path::new(DRI));
    if painter == Painter::Cpu {
        // SAFETY: called at the top of `main`, before any other thread can read the
        // environment (the callers' contract above).
        unsafe { std::env::set_var(CPU_RENDERING, "1") };
    }
    painter
}

/// `Cpu` unless `dri` holds a render node.
fn painter_for(dri: &Path) -> Painter {
    let has_render_node = std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    if has_render_node {
        Painter::Gpu
    } else {
        Painter::Cpu
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_render_node_keeps_the_gpu_painter() -> std::io::Result<()> {
        let dri = tempfile::tempdir()?;
        std::fs::write(dri.path().join("card0"), b"")?;
        assert_eq!(
            painter_for(dri.path()),
            Painter::Cpu,
            "a display card alone is not a GPU renderer"
        );
        std::fs::write(dri.path().join("renderD128"), b"")?;
        assert_eq!(painter_for(dri.path()), Painter::Gpu);
        Ok(())
    }

    #[test]
    fn no_dri_folder_means_the_cpu_painter() {
        assert_eq!(painter_for(Path::new("/nonexistent/dri")), Painter::Cpu);
    }
}
