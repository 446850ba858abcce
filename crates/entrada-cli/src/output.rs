//! JSON-lines output: one object per line, flushed, so a reader sees each verdict at once.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

pub fn line<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
