//! PNG and JPEG files as PDF image objects.
//!
//! PDF reads JPEG data as it is (`/DCTDecode`) and most PNG data too: a PNG's
//! concatenated `IDAT` chunks are a zlib stream with PNG row filters, exactly
//! what `/FlateDecode` with `/Predictor 15` decodes. So only the headers are
//! parsed here, no image codec is needed, and the file bytes go into the PDF
//! unchanged. The exception is a PNG with an alpha channel, which PDF wants as
//! a separate soft mask: that one is inflated (through printpdf's stream
//! decoder) and split into colour and alpha.
//!
//! Anything unexpected (interlaced PNG, odd bit depths, truncated data) gives
//! `None`, and the caller shows the image's alternative text instead.

use std::collections::BTreeMap;

use printpdf::{DictItem, ExternalStream};

/// An image ready to be added to the PDF as an XObject.
#[derive(Clone, Debug)]
pub(crate) struct PdfImage {
    pub width: u32,
    pub height: u32,
    pub stream: ExternalStream,
}

/// Refuse images whose decoded pixels would be unreasonably large, so a
/// malicious header cannot make us allocate gigabytes.
const MAX_PIXELS: u64 = 40_000_000;
const MAX_SIDE: u32 = 20_000;

/// Parses a PNG or JPEG file.
pub(crate) fn decode(data: &[u8]) -> Option<PdfImage> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(data)
    } else if data.starts_with(&[0xFF, 0xD8]) {
        jpeg(data)
    } else {
        None
    }
}

fn name(n: &str) -> DictItem {
    DictItem::Name(n.as_bytes().to_vec())
}

fn int(i: u32) -> DictItem {
    DictItem::Int(i64::from(i))
}

fn check_size(width: u32, height: u32) -> Option<()> {
    let ok = width > 0
        && height > 0
        && width <= MAX_SIDE
        && height <= MAX_SIDE
        && u64::from(width) * u64::from(height) <= MAX_PIXELS;
    ok.then_some(())
}

/// The entries every image XObject dictionary has.
fn image_dict(
    width: u32,
    height: u32,
    color_space: DictItem,
    bits: u8,
) -> BTreeMap<String, DictItem> {
    BTreeMap::from([
        ("Type".to_string(), name("XObject")),
        ("Subtype".to_string(), name("Image")),
        ("Width".to_string(), int(width)),
        ("Height".to_string(), int(height)),
        ("ColorSpace".to_string(), color_space),
        ("BitsPerComponent".to_string(), int(u32::from(bits))),
    ])
}

/// A PNG as a PDF image: without alpha, its data as it is (PDF decodes PNG
/// predictors itself); with alpha, inflated and split into colour and a soft mask.
fn png(data: &[u8]) -> Option<PdfImage> {
    let PngChunks {
        header,
        palette,
        idat,
    } = png_chunks(data)?;
    let (width, height, bits, color_type, interlace) = header;
    check_size(width, height)?;
    if interlace != 0 || idat.is_empty() {
        return None;
    }
    let colors: u8 = match (color_type, bits) {
        (0, 1 | 2 | 4 | 8 | 16) => 1,
        (2, 8 | 16) => 3,
        (3, 1 | 2 | 4 | 8) => 1,
        (4, 8 | 16) => 2,
        (6, 8 | 16) => 4,
        _ => return None,
    };
    let decode_parms = DictItem::Dict {
        map: BTreeMap::from([
            ("Predictor".to_string(), DictItem::Int(15)),
            ("Colors".to_string(), int(u32::from(colors))),
            ("BitsPerComponent".to_string(), int(u32::from(bits))),
            ("Columns".to_string(), int(width)),
        ]),
    };
    let png = Png {
        width,
        height,
        bits,
        color_type,
        colors,
        decode_parms,
        idat,
    };
    if matches!(color_type, 0 | 2 | 3) {
        png_opaque(png, palette)
    } else {
        png_with_alpha(png)
    }
}

/// What a PNG's chunks hold: its header (width, height, bit depth, colour type,
/// interlace method), its palette and its image data.
struct PngChunks<'d> {
    header: (u32, u32, u8, u8, u8),
    palette: Option<&'d [u8]>,
    idat: Vec<u8>,
}

/// Reads a PNG's chunks; `None` without a header.
fn png_chunks(data: &[u8]) -> Option<PngChunks<'_>> {
    let mut at = 8;
    let mut header = None;
    let mut palette: Option<&[u8]> = None;
    let mut idat = Vec::new();
    while at + 8 <= data.len() {
        let len = u32::from_be_bytes(data[at..at + 4].try_into().ok()?) as usize;
        let kind = &data[at + 4..at + 8];
        let body = data.get(at + 8..at.checked_add(8)?.checked_add(len)?)?;
        match kind {
            b"IHDR" if body.len() >= 13 => {
                let width = u32::from_be_bytes(body[0..4].try_into().ok()?);
                let height = u32::from_be_bytes(body[4..8].try_into().ok()?);
                header = Some((width, height, body[8], body[9], body[12]));
            }
            b"PLTE" => palette = Some(body),
            b"IDAT" => idat.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + len; // length, type, data, CRC
    }
    Some(PngChunks {
        header: header?,
        palette,
        idat,
    })
}

/// A PNG that can be embedded: its facts and its (still compressed) data.
struct Png {
    width: u32,
    height: u32,
    bits: u8,
    color_type: u8,
    colors: u8,
    /// The PNG predictor parameters of its data.
    decode_parms: DictItem,
    idat: Vec<u8>,
}

/// A PNG with no alpha: PDF decodes the PNG data itself.
fn png_opaque(png: Png, palette: Option<&[u8]>) -> Option<PdfImage> {
    let Png {
        width,
        height,
        bits,
        color_type,
        decode_parms,
        idat,
        ..
    } = png;
    let color_space = match color_type {
        0 => name("DeviceGray"),
        2 => name("DeviceRGB"),
        _ => {
            let palette = palette.filter(|p| !p.is_empty() && p.len() % 3 == 0)?;
            DictItem::Array(vec![
                name("Indexed"),
                name("DeviceRGB"),
                int((palette.len() / 3 - 1) as u32),
                DictItem::String {
                    data: palette.to_vec(),
                    literal: false,
                },
            ])
        }
    };
    let mut dict = image_dict(width, height, color_space, bits);
    dict.insert("Filter".to_string(), name("FlateDecode"));
    dict.insert("DecodeParms".to_string(), decode_parms);
    Some(PdfImage {
        width,
        height,
        stream: ExternalStream {
            dict,
            content: idat,
            compress: false,
        },
    })
}

/// Grey or RGB with alpha: inflate, then split the alpha into a soft mask.
fn png_with_alpha(png: Png) -> Option<PdfImage> {
    let Png {
        width,
        height,
        bits,
        color_type,
        colors,
        decode_parms,
        idat,
    } = png;
    let compressed = ExternalStream {
        dict: BTreeMap::from([
            ("Filter".to_string(), name("FlateDecode")),
            ("DecodeParms".to_string(), decode_parms),
        ]),
        content: idat,
        compress: false,
    };
    let pixels = compressed.decompressed_content();
    let bytes_per_sample = usize::from(bits / 8);
    let pixel_bytes = usize::from(colors) * bytes_per_sample;
    let expected = width as usize * height as usize * pixel_bytes;
    if pixels.len() != expected {
        return None;
    }
    let color_channels = usize::from(colors) - 1;
    let mut color = Vec::with_capacity(width as usize * height as usize * color_channels);
    let mut alpha = Vec::with_capacity(width as usize * height as usize);
    for pixel in pixels.chunks_exact(pixel_bytes) {
        // 16-bit samples are big-endian: keep the high byte.
        for channel in 0..color_channels {
            color.push(pixel[channel * bytes_per_sample]);
        }
        alpha.push(pixel[color_channels * bytes_per_sample]);
    }
    let color_space = if color_type == 4 {
        name("DeviceGray")
    } else {
        name("DeviceRGB")
    };
    let mask = ExternalStream {
        dict: image_dict(width, height, name("DeviceGray"), 8),
        content: alpha,
        compress: true,
    };
    let mut dict = image_dict(width, height, color_space, 8);
    dict.insert("SMask".to_string(), DictItem::Stream { stream: mask });
    Some(PdfImage {
        width,
        height,
        stream: ExternalStream {
            dict,
            content: color,
            compress: true,
        },
    })
}

fn jpeg(data: &[u8]) -> Option<PdfImage> {
    let mut at = 2;
    let mut adobe = false;
    while at + 4 <= data.len() {
        if data[at] != 0xFF {
            return None;
        }
        let marker = data[at + 1];
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            at += 2; // markers without a length
            continue;
        }
        let len = usize::from(u16::from_be_bytes([data[at + 2], data[at + 3]]));
        let body = data.get(at + 4..at + 2 + len.max(2))?;
        match marker {
            0xEE if body.starts_with(b"Adobe") => adobe = true,
            // Start of frame (any coding), but not DHT, JPG or DAC.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if body.len() < 6 {
                    return None;
                }
                let bits = body[0];
                let height = u32::from(u16::from_be_bytes([body[1], body[2]]));
                let width = u32::from(u16::from_be_bytes([body[3], body[4]]));
                let components = body[5];
                check_size(width, height)?;
                if bits != 8 {
                    return None;
                }
                let color_space = match components {
                    1 => name("DeviceGray"),
                    3 => name("DeviceRGB"),
                    4 => name("DeviceCMYK"),
                    _ => return None,
                };
                let mut dict = image_dict(width, height, color_space, 8);
                dict.insert("Filter".to_string(), name("DCTDecode"));
                if components == 4 && adobe {
                    // Adobe writes CMYK JPEGs inverted.
                    let decode = [1, 0, 1, 0, 1, 0, 1, 0].map(DictItem::Int).to_vec();
                    dict.insert("Decode".to_string(), DictItem::Array(decode));
                }
                return Some(PdfImage {
                    width,
                    height,
                    stream: ExternalStream {
                        dict,
                        content: data.to_vec(),
                        compress: false,
                    },
                });
            }
            0xDA | 0xD9 => return None, // scan or end before any frame header
            _ => {}
        }
        at += 2 + len;
    }
    None
}
