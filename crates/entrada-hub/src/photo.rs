//! Attendee photo validation, as documented: image/jpeg, image/png or image/gif, at most
//! 4 MB and 2048x2048 pixels. Anything else is "This file is not a valid image.".

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

use crate::body::Upload;

pub const MAX_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_SIDE: u32 = 2048;

/// The photo's MIME type when it passes every documented check.
pub fn validate(upload: &Upload) -> Option<&'static str> {
    if upload.bytes.is_empty() || upload.bytes.len() > MAX_BYTES {
        return None;
    }
    let mime = match image::guess_format(&upload.bytes).ok()? {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        ImageFormat::Gif => "image/gif",
        _ => return None,
    };
    // A declared type must agree with the content (octet-stream is what clients send when
    // they do not know).
    if let Some(declared) = upload.content_type.as_deref() {
        let declared = declared
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let jpeg_alias = declared == "image/jpg" || declared == "image/pjpeg";
        if declared != mime
            && !(jpeg_alias && mime == "image/jpeg")
            && declared != "application/octet-stream"
        {
            return None;
        }
    }
    let (w, h) = ImageReader::new(Cursor::new(&upload.bytes[..]))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()?;
    (w > 0 && h > 0 && w <= MAX_SIDE && h <= MAX_SIDE).then_some(mime)
}
