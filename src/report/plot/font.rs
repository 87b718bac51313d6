//! The embedded font of PNG text.

use std::sync::Once;

use plotters::style::{FontStyle, register_font};

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font as `sans-serif` (every style), once per process.
/// Every drawing function calls it first.
pub fn ensure_font() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        for style in [
            FontStyle::Normal,
            FontStyle::Bold,
            FontStyle::Italic,
            FontStyle::Oblique,
        ] {
            register_font("sans-serif", style, DEJAVU_SANS)
                .unwrap_or_else(|_| panic!("the embedded DejaVu Sans is a valid font"));
        }
    });
}
