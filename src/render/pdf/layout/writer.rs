//! Writing the laid-out pages as a PDF file.
//!
//! The writer reads only the laid-out document (`page.rs`), never layout's
//! internals; the page furniture is already on the pages (`furniture.rs`).
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
use super::document::DocInfo;
use super::fonts::{FaceId, Fonts};
use super::page::{At, Document, Draw, LinkTarget, OutlineEntry, Page, BODY_SIZE, PAGE_H, PAGE_W};
use super::subset::subset_truetype;
use super::tags::{self, Mark, NodeId, PageTags, Tree};
use super::xref::{assemble, compress_streams, deflate, set_file_id};

/// Writes `doc` as PDF bytes.
pub(crate) fn write_pdf(
    info: &DocInfo,
    fonts: &Fonts,
    mut doc: Document,
) -> Result<Vec<u8>, String> {
    let (pdf, contents, page_links) = printpdf_document(info, fonts, &doc);
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

    lo.version = "1.7".to_string();
    let page_ids: Vec<(u32, u16)> = lo.get_pages().into_values().collect();
    if page_ids.len() != page_count {
        return Err(err(&"page count mismatch"));
    }
    let (page_tags, mut annot_objects) =
        finish_pages(&mut lo, &page_ids, contents, page_links, &tree)?;
    let (struct_tree, mut elements) = tags::write(&mut lo, &tree, &page_tags);
    elements.append(&mut annot_objects);
    drop(page_tags);
    drop(tree);
    let xmp = add_xmp(&mut lo, info);
    let outlines = add_outline(&mut lo, &outline, &page_ids);
    set_catalog(&mut lo, info, struct_tree, xmp, outlines)?;
    let info_id = set_info(&mut lo, info)?;

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

/// Why the PDF could not be written, for the user.
fn err(e: &dyn std::fmt::Display) -> String {
    format!("cannot write the PDF: {e}")
}

/// The document as printpdf builds it (fonts, images, empty pages), with each
/// page's content stream and links, which replace and join printpdf's later.
fn printpdf_document(
    info: &DocInfo,
    fonts: &Fonts,
    doc: &Document,
) -> (PdfDocument, Vec<content::PageContent>, Vec<Vec<PageLink>>) {
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
            page_links.push(links(page, doc));
            PdfPage::new(
                printpdf::Mm(PAGE_W * 25.4 / 72.0),
                printpdf::Mm(PAGE_H * 25.4 / 72.0),
                ops,
            )
        })
        .collect();
    (pdf, contents, page_links)
}

/// Puts each page's own content stream in place of printpdf's and writes its link
/// annotations; returns what tagging needs of each page, and the annotation objects.
fn finish_pages(
    lo: &mut lopdf::Document,
    page_ids: &[(u32, u16)],
    contents: Vec<content::PageContent>,
    page_links: Vec<Vec<PageLink>>,
    tree: &Tree,
) -> Result<(Vec<PageTags>, tags::Elements), String> {
    let page_count = page_ids.len();
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
            lo,
            (page_id, n),
            &links,
            tree,
            page_ids,
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
    Ok((page_tags, annot_objects))
}

/// Adds the XMP metadata stream.
fn add_xmp(lo: &mut lopdf::Document, info: &DocInfo) -> (u32, u16) {
    let mut xmp = lopdf::Stream::new(
        lopdf::Dictionary::from_iter([
            ("Type", lopdf::Object::Name(b"Metadata".to_vec())),
            ("Subtype", lopdf::Object::Name(b"XML".to_vec())),
        ]),
        tags::xmp(&info.title, &info.author, &info.subject, info.date),
    );
    // Left readable, as metadata is meant to be.
    xmp.allows_compression = false;
    lo.add_object(xmp)
}

/// Adds the bookmarks; returns their root, if there are any.
fn add_outline(
    lo: &mut lopdf::Document,
    outline: &[OutlineEntry],
    page_ids: &[(u32, u16)],
) -> Option<(u32, u16)> {
    if outline.is_empty() {
        return None;
    }
    let root = lo.new_object_id();
    let ids: Vec<(u32, u16)> = outline.iter().map(|_| lo.new_object_id()).collect();
    for (id, object) in outline_objects(outline, root, &ids, page_ids) {
        lo.set_object(id, object.to_lopdf());
    }
    Some(root)
}

/// Sets the catalog's language, viewer preferences, tagging, metadata and bookmarks.
fn set_catalog(
    lo: &mut lopdf::Document,
    info: &DocInfo,
    struct_tree: (u32, u16),
    xmp: (u32, u16),
    outlines: Option<(u32, u16)>,
) -> Result<(), String> {
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
    Ok(())
}

/// Writes the document information dictionary, with fixed dates; returns its object.
fn set_info(lo: &mut lopdf::Document, info: &DocInfo) -> Result<(u32, u16), String> {
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
    Ok(info_id)
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

/// The outline's shape: each entry's parent and children, the top-level entries,
/// and how many entries each one holds at any depth.
struct OutlineTree {
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    top_level: Vec<usize>,
    descendants: Vec<i64>,
}

/// Nests the entries by heading level.
fn outline_tree(entries: &[OutlineEntry]) -> OutlineTree {
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

    OutlineTree {
        parent,
        children,
        top_level,
        descendants,
    }
}

/// The outline root and item dictionaries, nested by heading level.
fn outline_objects(
    entries: &[OutlineEntry],
    root: (u32, u16),
    ids: &[(u32, u16)],
    page_ids: &[(u32, u16)],
) -> Vec<((u32, u16), DictItem)> {
    let OutlineTree {
        parent,
        children,
        top_level,
        descendants,
    } = outline_tree(entries);
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
