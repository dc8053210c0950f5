//! Writing the laid-out pages as a PDF file.
//!
//! The page furniture (the marking at the top and bottom, the title and
//! "Page N of M" in the footer) is stamped here, once the page count is known.
//! printpdf builds the document: embedded fonts (subset by `subset.rs`, with
//! widths and ToUnicode maps), images, pages and their link annotations. The
//! page content streams themselves come from `content.rs` and replace the
//! (nearly empty) ones printpdf wrote.
//!
//! The rest is done on the
//! lopdf document it produces (`to_lopdf_document`), using printpdf's public
//! `DictItem` to build objects: the catalog's `/Lang`, nested bookmarks
//! (printpdf only writes a flat list, sorted by page and then by title), a
//! document information dictionary with fixed dates, and a trailer `/ID` that is
//! a SHA-256 of the file rather than printpdf's process-wide counter. Fonts and
//! images get fixed resource names for the same reason: byte-identical output
//! for identical input, whatever else the process has rendered before.
//!
//! Tagging (PDF/UA-1, see `tags.rs`) is finished here too: the structure tree
//! and its parent tree, `/StructParents` on pages, link annotations made
//! indirect objects with a `/Contents` description and a `/StructParent`,
//! `/Tabs /S`, `MarkInfo`, and XMP metadata that repeats the information
//! dictionary and declares `pdfuaid:part` 1.

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    DictItem, ExternalXObject, FontId, Op, ParsedFont, PdfDocument, PdfFont, PdfFontHandle,
    PdfPage, PdfSaveOptions, Pt, TextItem, XObject, XObjectId,
};
use sha2::{Digest, Sha256};

use super::content;
use super::flow::{At, Document, LinkTarget, OutlineEntry, BODY_SIZE, INK, MUTED};
use super::fonts::{FaceId, Fonts};
use super::page::{Draw, Page, MARGIN_X, PAGE_H, PAGE_W};
use super::subset::subset_truetype;
use super::tags::{self, Mark, NodeId, PageTags, Tree};
use super::text::Style;
use super::DocInfo;

/// Baselines of the header and footer lines, from the top of the page.
const HEADER_BASELINE: f32 = 38.0;
const FOOTER_BASELINE: f32 = PAGE_H - 32.0;
const MARKING_SIZE: f32 = 9.5;
const FOOTER_SIZE: f32 = 8.0;

/// Placeholder `/ID` written first and replaced by the hash of the file.
const ID_BYTES: usize = 16;

/// Writes `doc` as PDF bytes.
pub(crate) fn write_pdf(
    info: &DocInfo,
    fonts: &Fonts,
    mut doc: Document,
) -> Result<Vec<u8>, String> {
    stamp_furniture(info, fonts, &mut doc.pages);

    let mut pdf = PdfDocument::new(&info.title);
    // printpdf writes a font's widths and ToUnicode map for the glyphs it sees
    // shown. The real page contents are written by `content.rs`, so show it
    // every used character once, on the first page, whose content is replaced
    // below anyway.
    let mut glyph_census = vec![Op::StartTextSection];
    for (face, chars) in used_chars(&doc.pages) {
        pdf.resources.fonts.map.insert(
            font_id(face),
            PdfFont::new(embedded_font(fonts, face, &chars)),
        );
        glyph_census.push(Op::SetFont {
            font: PdfFontHandle::External(font_id(face)),
            size: Pt(BODY_SIZE),
        });
        glyph_census.push(Op::ShowText {
            items: vec![TextItem::Text(chars.iter().collect())],
        });
    }
    glyph_census.push(Op::EndTextSection);
    for (index, image) in doc.images.iter().enumerate() {
        pdf.resources.xobjects.map.insert(
            image_id(index),
            XObject::External(ExternalXObject {
                stream: image.stream.clone(),
                width: None,
                height: None,
                dpi: None,
            }),
        );
    }
    let contents: Vec<content::PageContent> = doc
        .pages
        .iter()
        .map(|page| content::page_content(fonts, &doc.tree, page, |i| image_id(i).0))
        .collect();
    // Each page's link annotations, written below with the structure elements.
    let mut page_links: Vec<Vec<PageLink>> = Vec::with_capacity(doc.pages.len());
    pdf.pages = doc
        .pages
        .iter()
        .enumerate()
        .map(|(n, page)| {
            let ops = if n == 0 {
                std::mem::take(&mut glyph_census)
            } else {
                Vec::new()
            };
            page_links.push(links(page, &doc));
            PdfPage::new(
                printpdf::Mm(PAGE_W * 25.4 / 72.0),
                printpdf::Mm(PAGE_H * 25.4 / 72.0),
                ops,
            )
        })
        .collect();
    let page_count = pdf.pages.len();
    let outline = std::mem::take(&mut doc.outline);
    let tree = std::mem::take(&mut doc.tree);
    drop(doc);

    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = pdf.to_lopdf_document(&options, &mut warnings);
    drop(pdf);
    let err = |e: &dyn std::fmt::Display| format!("cannot write the PDF: {e}");

    lo.version = "1.7".to_string();
    let page_ids: Vec<(u32, u16)> = lo.get_pages().into_values().collect();
    if page_ids.len() != page_count {
        return Err(err(&"page count mismatch"));
    }
    let mut page_tags = Vec::with_capacity(page_count);
    let mut annot_count = 0;
    let mut annot_objects: tags::Elements = Vec::new();
    for (n, ((&page_id, content), links)) in
        page_ids.iter().zip(contents).zip(page_links).enumerate()
    {
        let stream_id = lo
            .get_object(page_id)
            .and_then(|page| page.as_dict())
            .and_then(|page| page.get(b"Contents"))
            .and_then(|contents| contents.as_reference())
            .map_err(|e| err(&e))?;
        lo.get_object_mut(stream_id)
            .and_then(|stream| stream.as_stream_mut())
            .map_err(|e| err(&e))?
            .set_content(content.bytes);
        let annots = annotations(
            &mut lo,
            (page_id, n),
            &links,
            &tree,
            &page_ids,
            (page_count, annot_count),
            &mut annot_objects,
        )
        .map_err(|e| err(&e))?;
        annot_count += annots.len();
        page_tags.push(PageTags {
            id: page_id,
            mcid_nodes: content.mcid_nodes,
            run_mcids: content.run_mcids,
            annots,
        });
    }
    let (struct_tree, mut elements) = tags::write(&mut lo, &tree, &page_tags);
    elements.append(&mut annot_objects);
    drop(page_tags);
    drop(tree);
    let mut xmp = lopdf::Stream::new(
        lopdf::Dictionary::from_iter([
            ("Type", lopdf::Object::Name(b"Metadata".to_vec())),
            ("Subtype", lopdf::Object::Name(b"XML".to_vec())),
        ]),
        tags::xmp(&info.title, &info.author, &info.subject, info.date),
    );
    // Left readable, as metadata is meant to be.
    xmp.allows_compression = false;
    let xmp = lo.add_object(xmp);

    // Bookmarks.
    let outlines = if outline.is_empty() {
        None
    } else {
        let root = lo.new_object_id();
        let ids: Vec<(u32, u16)> = outline.iter().map(|_| lo.new_object_id()).collect();
        for (id, object) in outline_objects(&outline, root, &ids, &page_ids) {
            lo.set_object(id, object.to_lopdf());
        }
        Some(root)
    };

    // Catalog.
    let catalog = lo.catalog_mut().map_err(|e| err(&e))?;
    catalog.set("Lang", text_string(&info.lang).to_lopdf());
    catalog.set(
        "ViewerPreferences",
        dict([("DisplayDocTitle", DictItem::Bool(true))]).to_lopdf(),
    );
    catalog.set(
        "MarkInfo",
        dict([("Marked", DictItem::Bool(true))]).to_lopdf(),
    );
    catalog.set("StructTreeRoot", lopdf::Object::Reference(struct_tree));
    catalog.set("Metadata", lopdf::Object::Reference(xmp));
    if let Some((obj, gen)) = outlines {
        catalog.set("Outlines", DictItem::Ref { obj, gen }.to_lopdf());
        catalog.set("PageMode", name("UseOutlines").to_lopdf());
    }

    // Document information, with fixed dates.
    let (year, month, day) = info.date;
    let date = format!(
        "D:{:04}{:02}{:02}000000+00'00'",
        year.clamp(0, 9999),
        month.clamp(1, 12),
        day.clamp(1, 31)
    );
    let info_dict = dict([
        ("Title", text_string(&info.title)),
        ("Author", text_string(&info.author)),
        ("Subject", text_string(&info.subject)),
        ("Creator", text_string("Assure")),
        ("Producer", text_string("Assure")),
        ("CreationDate", text_string(&date)),
        ("ModDate", text_string(&date)),
    ]);
    let info_id = lo
        .trailer
        .get(b"Info")
        .and_then(|o| o.as_reference())
        .map_err(|e| err(&e))?;
    lo.set_object(info_id, info_dict.to_lopdf());

    let streams: Vec<_> = lo
        .objects
        .values_mut()
        .filter_map(|object| object.as_stream_mut().ok())
        .filter(|stream| stream.allows_compression)
        .collect();
    compress_streams(streams, deflate);
    let root = lo
        .trailer
        .get(b"Root")
        .and_then(|o| o.as_reference())
        .map_err(|e| err(&e))?;
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes).map_err(|e| err(&e))?;
    drop(lo);
    let mut bytes = assemble(bytes, elements, root, info_id)?;
    set_file_id(&mut bytes)?;
    Ok(bytes)
}

/// Objects per object stream: big enough that deflate finds the repetition between
/// structure elements, small enough that a reader decompresses little to get one.
const OBJECTS_PER_STREAM: usize = 200;

/// Writes the final file from the PDF lopdf saved and the objects already written out
/// ([`tags::Elements`]), whose numbers lopdf's cross-reference table skips: every object
/// that is not a stream goes into compressed object streams, and a cross-reference
/// stream replaces the table (PDF 1.5, ISO 32000-1 §7.5.7–8). Most of a tagged pack is
/// small dictionaries (structure elements, annotations, the parent tree); uncompressed,
/// they made packs two to three times larger.
fn assemble(
    bytes: Vec<u8>,
    elements: tags::Elements,
    root: (u32, u16),
    info: (u32, u16),
) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let bad = || "cannot write the PDF: its cross-reference table is not as expected".to_string();
    let start = bytes
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or_else(bad)?;
    // The number at the start of `text`, after white space ("97773>>" is 97773).
    let number = |text: &[u8]| -> Option<usize> {
        let text = std::str::from_utf8(text).ok()?.trim_start();
        let end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        text[..end].parse().ok()
    };
    let xref_at = number(&bytes[start + 9..]).ok_or_else(bad)?;
    let trailer_at = bytes
        .get(xref_at..start)
        .and_then(|t| t.windows(7).position(|w| w == b"trailer"))
        .map(|p| xref_at + p)
        .ok_or_else(bad)?;
    // (offset, object number, generation) of each object in use.
    let mut located: Vec<(usize, usize, u16)> = Vec::new();
    let table = std::str::from_utf8(&bytes[xref_at..trailer_at]).map_err(|_| bad())?;
    let mut lines = table.lines();
    if lines.next().map(str::trim) != Some("xref") {
        return Err(bad());
    }
    // The next entry's object number and how many of its section are left.
    let mut next = (0usize, 0usize);
    for line in lines {
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            [offset, generation, kind] if next.1 > 0 => {
                if *kind == "n" && next.0 > 0 {
                    located.push((
                        offset.parse().map_err(|_| bad())?,
                        next.0,
                        generation.parse().map_err(|_| bad())?,
                    ));
                }
                next = (next.0 + 1, next.1 - 1);
            }
            [first, count] => {
                next = (
                    first.parse().map_err(|_| bad())?,
                    count.parse().map_err(|_| bad())?,
                )
            }
            [] => {}
            _ => return Err(bad()),
        }
    }
    let trailer = &bytes[trailer_at..start];
    let size = trailer
        .windows(6)
        .position(|w| w == b"/Size ")
        .and_then(|p| number(&trailer[p + 6..]))
        .ok_or_else(bad)?;
    located.sort_unstable();
    let header_end = located.first().map_or(xref_at, |l| l.0);
    // Each object's body (between `N G obj` and `endobj`), by object number.
    let mut objects: Vec<Option<(u16, &[u8])>> = vec![None; size];
    fn body(object: &[u8]) -> Option<&[u8]> {
        let from = object.windows(3).position(|w| w == b"obj")? + 3;
        let to = object.windows(6).rposition(|w| w == b"endobj")?;
        Some(object.get(from..to)?.trim_ascii())
    }
    for (n, &(offset, number, generation)) in located.iter().enumerate() {
        let end = located.get(n + 1).map_or(xref_at, |l| l.0);
        let object = bytes.get(offset..end).and_then(body).ok_or_else(bad)?;
        *objects.get_mut(number).ok_or_else(bad)? = Some((generation, object));
    }
    for (number, object) in &elements {
        let object = body(object).ok_or_else(bad)?;
        *objects.get_mut(*number as usize).ok_or_else(bad)? = Some((0, object));
    }

    // Streams (and anything not of generation 0) are written as they are; the rest
    // go into object streams, in object-number order.
    let mut out = Vec::with_capacity(bytes.len() / 2);
    out.extend_from_slice(&bytes[..header_end]);
    // Where each object is: in the file at an offset, or in an object stream at an index.
    #[derive(Clone, Copy)]
    enum Entry {
        Free,
        At(usize, u16),
        In(usize, usize),
    }
    let mut entries = vec![Entry::Free; size];
    let mut packed: Vec<usize> = Vec::new();
    for (number, object) in objects.iter().enumerate() {
        let Some((generation, body)) = *object else {
            continue;
        };
        if generation == 0 && !body.ends_with(b"endstream") {
            packed.push(number);
            continue;
        }
        entries[number] = Entry::At(out.len(), generation);
        let _ = writeln!(out, "{number} {generation} obj");
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let mut stream_number = size;
    for group in packed.chunks(OBJECTS_PER_STREAM) {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (n, &number) in group.iter().enumerate() {
            let _ = write!(index, "{number} {} ", data.len());
            if let Some((_, body)) = objects[number] {
                data.extend_from_slice(body);
            }
            data.push(b'\n');
            entries[number] = Entry::In(stream_number, n);
        }
        index.pop();
        index.push(b'\n');
        let first = index.len();
        index.extend_from_slice(&data);
        let content = zlib(&index);
        entries.push(Entry::At(out.len(), 0));
        let _ = write!(
            out,
            "{stream_number} 0 obj\n<</Type/ObjStm/N {}/First {first}/Filter/FlateDecode/Length {}>>stream\n",
            group.len(),
            content.len()
        );
        out.extend_from_slice(&content);
        out.extend_from_slice(b"\nendstream\nendobj\n");
        stream_number += 1;
    }
    // The cross-reference stream: type, offset or object stream, generation or index.
    let xref_number = stream_number;
    let xref_at = out.len();
    entries.push(Entry::At(xref_at, 0));
    let mut table = Vec::with_capacity(entries.len() * 7);
    for (number, entry) in entries.iter().enumerate() {
        let (kind, second, third) = match *entry {
            Entry::Free if number == 0 => (0u8, 0usize, 0xFFFFusize),
            Entry::Free => (0, 0, 0),
            Entry::At(offset, generation) => (1, offset, usize::from(generation)),
            Entry::In(stream, index) => (2, stream, index),
        };
        let second = u32::try_from(second).map_err(|_| "cannot write the PDF: it is over 4 GiB")?;
        let third = u16::try_from(third).map_err(|_| bad())?;
        table.push(kind);
        table.extend_from_slice(&second.to_be_bytes());
        table.extend_from_slice(&third.to_be_bytes());
    }
    let table = zlib(&table);
    let zeros = "0".repeat(ID_BYTES * 2);
    let _ = write!(
        out,
        "{xref_number} 0 obj\n<</Type/XRef/Size {}/W[1 4 2]/Root {} {} R/Info {} {} R/ID[<{zeros}><{zeros}>]/Filter/FlateDecode/Length {}>>stream\n",
        entries.len(),
        root.0,
        root.1,
        info.0,
        info.1,
        table.len()
    );
    out.extend_from_slice(&table);
    let _ = write!(out, "\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF");
    Ok(out)
}

/// `data` deflated at the packs' level ([`LEVEL`]).
fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::new(LEVEL),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// Replaces the two placeholder `/ID` strings of the cross-reference stream by the
/// first 16 bytes of the SHA-256 of the file (as written with the placeholders).
fn set_file_id(bytes: &mut [u8]) -> Result<(), String> {
    let hash = Sha256::digest(&*bytes);
    let hex: String = hash[..ID_BYTES]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let trailer = bytes
        .windows(10)
        .rposition(|w| w == b"/Type/XRef")
        .ok_or("cannot write the PDF: no cross-reference stream")?;
    let zeros = vec![b'0'; ID_BYTES * 2];
    let mut found = 0;
    let mut at = trailer;
    while let Some(offset) = bytes[at..]
        .windows(zeros.len())
        .position(|w| w == zeros.as_slice())
    {
        let start = at + offset;
        bytes[start..start + zeros.len()].copy_from_slice(hex.as_bytes());
        at = start + zeros.len();
        found += 1;
        if found == 2 {
            return Ok(());
        }
    }
    Err("cannot write the PDF: trailer /ID not found".to_string())
}

/// The characters drawn in each face.
fn used_chars(pages: &[Page]) -> BTreeMap<FaceId, BTreeSet<char>> {
    let mut used: BTreeMap<FaceId, BTreeSet<char>> = BTreeMap::new();
    for draw in pages.iter().flat_map(|page| &page.draws) {
        if let Draw::Text { style, text, .. } = draw {
            used.entry(style.face).or_default().extend(text.chars());
        }
    }
    used
}

/// The face as it is embedded: subset to the glyphs of `chars` when the font
/// allows it, under a subset name (`ABCDEF+Name`) derived from its glyphs.
fn embedded_font(fonts: &Fonts, face: FaceId, chars: &BTreeSet<char>) -> ParsedFont {
    let source = fonts.face(face);
    let mut font = source.parsed.clone();
    let glyphs: BTreeSet<u16> = chars
        .iter()
        .filter_map(|&c| font.lookup_glyph_index(c as u32))
        .collect();
    if let Some(bytes) = subset_truetype(&font.original_bytes, &glyphs) {
        let mut hash = Sha256::new();
        hash.update(source.ps_name.as_bytes());
        for gid in &glyphs {
            hash.update(gid.to_be_bytes());
        }
        let tag: String = hash.finalize()[..6]
            .iter()
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        font.original_bytes = bytes;
        font.font_name = Some(format!("{tag}+{}", source.ps_name));
    }
    font
}

fn font_id(face: FaceId) -> FontId {
    FontId(face.resource_name().to_string())
}

fn image_id(index: usize) -> XObjectId {
    XObjectId(format!("Im{}", index + 1))
}

fn name(n: &str) -> DictItem {
    DictItem::Name(n.as_bytes().to_vec())
}

fn dict<const N: usize>(entries: [(&str, DictItem); N]) -> DictItem {
    DictItem::Dict {
        map: entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// A PDF text string: literal if plain ASCII, otherwise UTF-16BE with a BOM.
fn text_string(text: &str) -> DictItem {
    if text.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        DictItem::String {
            data: text.as_bytes().to_vec(),
            literal: true,
        }
    } else {
        let mut data = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            data.extend_from_slice(&unit.to_be_bytes());
        }
        DictItem::String {
            data,
            literal: false,
        }
    }
}

/// A destination: `page` (from 0) at a height `y` from the top of the page.
fn destination(page_ids: &[(u32, u16)], at: At) -> DictItem {
    let (obj, gen) = page_ids[at.page.min(page_ids.len() - 1)];
    DictItem::Array(vec![
        DictItem::Ref { obj, gen },
        name("XYZ"),
        DictItem::Null,
        DictItem::Real(dest_top(at)),
        DictItem::Null,
    ])
}

/// The top of the view for a destination: a little above the target.
fn dest_top(at: At) -> f32 {
    (PAGE_H - at.y + 8.0).min(PAGE_H)
}

/// The outline root and item dictionaries, nested by heading level.
fn outline_objects(
    entries: &[OutlineEntry],
    root: (u32, u16),
    ids: &[(u32, u16)],
    page_ids: &[(u32, u16)],
) -> Vec<((u32, u16), DictItem)> {
    // Parent of each entry: the nearest earlier entry with a lower level.
    let mut parent: Vec<Option<usize>> = Vec::with_capacity(entries.len());
    let mut stack: Vec<usize> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        while stack
            .last()
            .is_some_and(|&top| entries[top].level >= entry.level)
        {
            stack.pop();
        }
        parent.push(stack.last().copied());
        stack.push(i);
    }
    // Children of each entry and of the root, in order.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    let mut top_level = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) => children[*p].push(i),
            None => top_level.push(i),
        }
    }
    // Descendant counts, children before parents (they always come later).
    let mut descendants = vec![0i64; entries.len()];
    for i in (0..entries.len()).rev() {
        if let Some(p) = parent[i] {
            descendants[p] += 1 + descendants[i];
        }
    }

    let reference = |(obj, gen): (u32, u16)| DictItem::Ref { obj, gen };
    let mut objects = Vec::with_capacity(entries.len() + 1);
    let siblings_of = |i: usize| -> &Vec<usize> {
        match parent[i] {
            Some(p) => &children[p],
            None => &top_level,
        }
    };
    for (i, entry) in entries.iter().enumerate() {
        let mut map = BTreeMap::new();
        map.insert("Title".to_string(), text_string(&entry.title));
        map.insert(
            "Parent".to_string(),
            reference(parent[i].map_or(root, |p| ids[p])),
        );
        map.insert("Dest".to_string(), destination(page_ids, entry.at));
        let siblings = siblings_of(i);
        let position = siblings.iter().position(|&s| s == i).unwrap_or(0);
        if position > 0 {
            map.insert("Prev".to_string(), reference(ids[siblings[position - 1]]));
        }
        if let Some(&next) = siblings.get(position + 1) {
            map.insert("Next".to_string(), reference(ids[next]));
        }
        if let (Some(&first), Some(&last)) = (children[i].first(), children[i].last()) {
            map.insert("First".to_string(), reference(ids[first]));
            map.insert("Last".to_string(), reference(ids[last]));
            // Top-level entries open, deeper ones closed (negative count).
            let count = if parent[i].is_none() {
                children[i].len() as i64
            } else {
                -descendants[i]
            };
            map.insert("Count".to_string(), DictItem::Int(count));
        }
        objects.push((ids[i], DictItem::Dict { map }));
    }
    let visible: i64 = top_level
        .iter()
        .map(|&i| 1 + children[i].len() as i64)
        .sum();
    let mut root_map = BTreeMap::new();
    root_map.insert("Type".to_string(), name("Outlines"));
    if let (Some(&first), Some(&last)) = (top_level.first(), top_level.last()) {
        root_map.insert("First".to_string(), reference(ids[first]));
        root_map.insert("Last".to_string(), reference(ids[last]));
    }
    root_map.insert("Count".to_string(), DictItem::Int(visible));
    objects.push((root, DictItem::Dict { map: root_map }));
    objects
}

/// Adds the marking (top and bottom, centred), the title (footer, left) and
/// "Page N of M" (footer, right) to every page.
fn stamp_furniture(info: &DocInfo, fonts: &Fonts, pages: &mut [Page]) {
    let total = pages.len();
    let bold = fonts.face(FaceId::Bold);
    let regular = fonts.face(FaceId::Regular);
    let marking = info
        .marking
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let marking = truncate(fonts, FaceId::Bold, &marking, MARKING_SIZE, PAGE_W * 0.3);
    let marking_w = bold.text_width(&marking, MARKING_SIZE);
    let title = info.title.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = truncate(fonts, FaceId::Regular, &title, FOOTER_SIZE, PAGE_W * 0.3);
    let marking_style = Style::new(FaceId::Bold, MARKING_SIZE, INK);
    let footer_style = Style::new(FaceId::Regular, FOOTER_SIZE, MUTED);
    for (n, page) in pages.iter_mut().enumerate() {
        page.marks.push((page.draws.len(), Mark::Artifact));
        if !marking.is_empty() {
            for y in [HEADER_BASELINE, FOOTER_BASELINE] {
                page.draws.push(Draw::Text {
                    x: (PAGE_W - marking_w) / 2.0,
                    y,
                    style: marking_style,
                    text: marking.clone(),
                });
            }
        }
        if !title.is_empty() {
            page.draws.push(Draw::Text {
                x: MARGIN_X,
                y: FOOTER_BASELINE,
                style: footer_style,
                text: title.clone(),
            });
        }
        let number = format!("Page {} of {}", n + 1, total);
        let number_w = regular.text_width(&number, FOOTER_SIZE);
        page.draws.push(Draw::Text {
            x: PAGE_W - MARGIN_X - number_w,
            y: FOOTER_BASELINE,
            style: footer_style,
            text: number,
        });
    }
}

/// `text` cut with an ellipsis to fit `max_width`, with characters the face
/// lacks replaced as the layout does.
fn truncate(fonts: &Fonts, face_id: FaceId, text: &str, size: f32, max_width: f32) -> String {
    let face = fonts.face(face_id);
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if face.has_glyph(c) { c } else { '?' })
        .collect();
    if face.text_width(&clean, size) <= max_width {
        return clean;
    }
    let ellipsis = if face.has_glyph('\u{2026}') {
        "\u{2026}"
    } else {
        "..."
    };
    let room = max_width - face.text_width(ellipsis, size);
    let mut width = 0.0;
    let mut out = String::new();
    for c in clean.chars() {
        width += face.char_width(c, size);
        if width > room {
            break;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out.push_str(ellipsis);
    out
}

/// A link on a page: its rectangle in PDF coordinates (x1, y1, x2, y2), where it goes
/// and its `Link` element.
struct PageLink {
    rect: [f32; 4],
    to: LinkTo,
    node: NodeId,
}

enum LinkTo {
    Uri(String),
    Page(At),
}

/// The links drawn on a page, in drawing order, each inside its `Link` element.
fn links(page: &Page, doc: &Document) -> Vec<PageLink> {
    let mut out = Vec::new();
    let mut runs = page.marks.iter().peekable();
    let mut mark = Mark::Artifact;
    for (i, draw) in page.draws.iter().enumerate() {
        while let Some(&(_, m)) = runs.next_if(|&&(from, _)| from <= i) {
            mark = m;
        }
        let Draw::Link { x, y, w, h, target } = *draw else {
            continue;
        };
        let Mark::Node(node) = mark else {
            continue;
        };
        let to = match doc.links.get(target as usize) {
            Some(LinkTarget::Uri(url)) => LinkTo::Uri(url.clone()),
            Some(LinkTarget::Anchor(id)) => match doc.anchors.get(id) {
                Some(&at) => LinkTo::Page(at),
                None => continue,
            },
            Some(LinkTarget::Outline(i)) => match doc.outline.get(*i) {
                Some(entry) => LinkTo::Page(entry.at),
                None => continue,
            },
            None => continue,
        };
        let bottom = PAGE_H - y - h;
        out.push(PageLink {
            rect: [x, bottom, x + w, bottom + h],
            to,
            node,
        });
    }
    out
}

/// Writes page `n`'s link annotations into `objects` as indirect objects (an `OBJR`
/// points at each), with a `/Contents` description and a `/StructParent`, and gives
/// the page its `/Annots`, `/StructParents` and `/Tabs /S`. Returns each annotation's
/// object and Link element. `first_key` counts the annotations of the pages before.
/// They are written here, as the structure elements are, not built as lopdf objects.
fn annotations(
    lo: &mut lopdf::Document,
    (page_id, n): ((u32, u16), usize),
    links: &[PageLink],
    tree: &Tree,
    page_ids: &[(u32, u16)],
    (pages, first_key): (usize, usize),
    objects: &mut tags::Elements,
) -> Result<Vec<tags::TaggedAnnot>, lopdf::Error> {
    use std::io::Write;
    let mut out = Vec::with_capacity(links.len());
    let mut refs = Vec::with_capacity(links.len());
    for link in links {
        let id = lo.new_object_id();
        let [x1, y1, x2, y2] = link.rect.map(real);
        let mut o = Vec::with_capacity(256);
        let _ = write!(
            o,
            // `/F 4`: the Print flag, so the link is part of the printed page (PDF/A and
            // checkers want it on every annotation; a link has nothing to print anyway).
            "{} 0 obj\n<</Type/Annot/Subtype/Link/F 4/Rect[{x1} {y1} {x2} {y2}]/A<<",
            id.0
        );
        match &link.to {
            LinkTo::Uri(url) => {
                o.extend_from_slice(b"/S/URI/URI");
                tags::pdf_literal(&mut o, url.as_bytes());
            }
            LinkTo::Page(at) => {
                let target = page_ids.get(at.page).copied().unwrap_or(page_id);
                let _ = write!(
                    o,
                    "/S/GoTo/D[{} 0 R/XYZ null {} null]",
                    target.0,
                    real(dest_top(*at))
                );
            }
        }
        o.extend_from_slice(b">>/Border[0 0 0]/C[]/H/I/Contents");
        tags::pdf_string(&mut o, &link_description(tree, link.node));
        let _ = write!(
            o,
            "/StructParent {}/P {} 0 R>>\nendobj\n",
            tags::annot_key(pages, first_key + out.len()),
            page_id.0
        );
        objects.push((id.0, o));
        refs.push(lopdf::Object::Reference(id));
        out.push((id, link.node));
    }
    let page = lo.get_dictionary_mut(page_id)?;
    if !refs.is_empty() {
        page.set("Annots", refs);
    }
    page.set("StructParents", n as i64);
    page.set("Tabs", lopdf::Object::Name(b"S".to_vec()));
    Ok(out)
}

/// A number as PDF writes it: at most three decimals, no trailing zeros ("12.5", "7").
fn real(x: f32) -> String {
    let text = format!("{:.3}", if x.is_finite() { x } else { 0.0 });
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// Deflates a stream not yet filtered, at zlib's default level: lopdf's own
/// `compress` uses the best level, about 4 % slower for the pack as a whole (measured on
/// a 622-page pack) for files 0.05 % smaller. A stream that would not shrink is left
/// as it is.
fn deflate(stream: &mut lopdf::Stream) {
    if stream.dict.get(b"Filter").is_ok() {
        return;
    }
    let compressed = zlib(&stream.content);
    if compressed.len() + 19 < stream.content.len() {
        stream.dict.set("Filter", "FlateDecode");
        stream.set_content(compressed);
    }
}

/// The deflate level of every stream (zlib's default).
const LEVEL: u32 = 6;

/// Compresses the document's streams, on several threads: deflating is most of the
/// time spent writing.
fn compress_streams<'s, S: Send + 's>(streams: Vec<&'s mut S>, compress: fn(&mut S)) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads < 2 || streams.len() < 2 {
        streams.into_iter().for_each(compress);
        return;
    }
    // Deal streams out round-robin so every thread gets a similar share.
    let mut shares: Vec<Vec<&'s mut S>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, stream) in streams.into_iter().enumerate() {
        shares[i % threads].push(stream);
    }
    std::thread::scope(|scope| {
        for share in shares {
            scope.spawn(move || share.into_iter().for_each(compress));
        }
    });
}

/// What a link's annotation says it is (`/Contents`, PDF/UA-1 7.18.5): its
/// text, or for a bare page number, the page.
fn link_description(tree: &Tree, node: NodeId) -> String {
    let text = tree
        .nodes
        .get(node as usize)
        .map(|n| n.text.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        format!("Page {text}")
    } else if text.is_empty() {
        "Link".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::real;

    #[test]
    fn numbers_are_written_short_and_never_as_minus_zero() {
        assert_eq!(real(12.5), "12.5");
        assert_eq!(real(7.0), "7");
        assert_eq!(real(0.0004), "0");
        assert_eq!(real(-0.0001), "0");
        assert_eq!(real(595.2756), "595.276");
        assert_eq!(real(f32::NAN), "0");
    }
}
