//! The camera source without a camera (this machine and CI have none), and the pieces of
//! it that need no device: format choice and luma conversion.
use entrada_scan::source::{
    CameraConfig, CameraSource, choose_format, list_cameras, mjpeg_to_luma, raw_to_luma,
};
use entrada_scan::{FrameSource, SourceError};
use nokhwa::utils::{CameraFormat, FrameFormat};

#[test]
fn no_camera_is_a_clear_error_not_a_panic() {
    match list_cameras() {
        Err(e) => {
            assert!(matches!(e, SourceError::NoCamera(_)), "{e:?}");
            assert!(e.to_string().starts_with("no camera found"), "{e}");
            let mut cam = CameraSource::new(CameraConfig::default());
            let err = cam.open().expect_err("no camera to open");
            assert!(err.to_string().contains("no camera found"), "{err}");
            assert!(
                cam.next_frame().is_err(),
                "reading an unopened camera is an error"
            );
        }
        Ok(cams) => {
            // A machine with a camera: an index that does not exist is still a clear error.
            let missing = cams.iter().map(|c| c.index).max().unwrap_or(0) + 100;
            let mut cam = CameraSource::new(CameraConfig {
                index: missing,
                ..CameraConfig::default()
            });
            let err = cam.open().expect_err("camera index not present");
            assert!(err.to_string().contains("not present"), "{err}");
        }
    }
}

#[test]
fn format_choice_prefers_rate_then_cheap_luma() {
    let f = |w, h, fmt, fps| CameraFormat::new_from(w, h, fmt, fps);
    let formats = [
        f(1920, 1080, FrameFormat::YUYV, 5),
        f(1920, 1080, FrameFormat::MJPEG, 30),
        f(1280, 720, FrameFormat::YUYV, 10),
        f(1280, 720, FrameFormat::MJPEG, 30),
        f(640, 480, FrameFormat::YUYV, 30),
    ];
    let want = |w, h| CameraConfig {
        index: 0,
        width: w,
        height: h,
        fps: 30,
    };
    // 1080p YUYV only does 5 fps: MJPEG keeps the frame rate.
    assert_eq!(
        choose_format(&formats, &want(1920, 1080)).map(|c| c.format()),
        Some(FrameFormat::MJPEG)
    );
    // Where YUYV keeps the rate, its luma is free.
    assert_eq!(
        choose_format(&formats, &want(640, 480)),
        Some(f(640, 480, FrameFormat::YUYV, 30))
    );
    let with_yuyv30 = [
        f(1280, 720, FrameFormat::MJPEG, 30),
        f(1280, 720, FrameFormat::YUYV, 30),
    ];
    assert_eq!(
        choose_format(&with_yuyv30, &want(1280, 720)).map(|c| c.format()),
        Some(FrameFormat::YUYV)
    );
    assert_eq!(choose_format(&[], &want(1280, 720)), None);
}

#[test]
fn yuyv_luma_is_the_y_bytes() {
    // 4x1 pixels: Y0 U Y1 V Y2 U Y3 V.
    let yuyv = [10, 128, 20, 128, 30, 99, 40, 77];
    let img = raw_to_luma(FrameFormat::YUYV, 4, 1, &yuyv).expect("valid YUYV");
    assert_eq!(img.data(), &[10, 20, 30, 40]);
    assert!(
        raw_to_luma(FrameFormat::YUYV, 4, 2, &yuyv).is_err(),
        "short buffer is an error"
    );
    let nv12 = [1, 2, 3, 4, 9, 9];
    assert_eq!(
        raw_to_luma(FrameFormat::NV12, 2, 2, &nv12)
            .expect("valid NV12")
            .data(),
        &[1, 2, 3, 4]
    );
}

#[test]
fn mjpeg_decodes_to_luma_only() {
    // A colour JPEG whose left half is dark red, right half light grey.
    let (w, h) = (64u32, 32u32);
    let rgb: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            if i % w < w / 2 {
                [120, 10, 10]
            } else {
                [200, 200, 200]
            }
        })
        .collect();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .encode(&rgb, w, h, image::ExtendedColorType::Rgb8)
        .expect("encode test JPEG");
    let luma = mjpeg_to_luma(&jpeg).expect("decode");
    assert_eq!((luma.width(), luma.height()), (w, h));
    let left = luma.get(8, 16) as i32;
    let right = luma.get(56, 16) as i32;
    // BT.601 luma of (120,10,10) is ~43, of (200,200,200) is 200.
    assert!(
        (left - 43).abs() < 12 && (right - 200).abs() < 12,
        "left {left} right {right}"
    );
    assert!(mjpeg_to_luma(b"not a jpeg").is_err());
}
