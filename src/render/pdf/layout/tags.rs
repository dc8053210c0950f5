//! The logical structure of a laid-out document: what makes a pack a tagged
//! PDF that meets PDF/UA-1 (SPEC §13.3, "Accessible packs").
//!
//! Layout knows what every thing it draws is, so it says so as it goes:
//!
//! - [`flow`](super::flow) builds a [`Tree`] of structure elements in reading
//!   order — the containers (lists, list items, quotes) and one element per
//!   block while it flattens the blocks, the parts of a block (table rows and
//!   cells, links, the cover's lines, the contents' entries) while it places
//!   them;
//! - every draw on a page falls in a run of [`Mark`]s (`Page::marks`): either a
//!   structure element or page furniture (an artifact). Rules, fills, borders,
//!   underlines and leaders are always furniture, except inside a `Figure`,
//!   whose every mark is its content (a chart is a figure made of fills);
//! - [`content`](super::content) wraps each run in marked content with an MCID
//!   (`/P <</MCID 3>> BDC … EMC`) or in `/Artifact BMC … EMC`;
//! - [`write()`] turns the tree into `StructElem` objects with their `/K` kids in
//!   reading order (MCIDs, marked-content references across pages, link
//!   annotations), the `ParentTree` and the `StructTreeRoot`.
//!
//! To tag a new kind of block, give it a [`Role`] (and an alternative text for
//! a figure) in `block_tag` (in `flow/flatten.rs`, which makes the elements of
//! the blocks); what layout draws for it is then its content.

use std::collections::BTreeMap;

use rayon::prelude::*;

use lopdf::{Dictionary, Object, ObjectId};

/// Index of a structure element in its [`Tree`]; 0 is the `Document`.
pub(crate) type NodeId = u32;

/// The document element, parent of everything else.
pub(crate) const DOCUMENT: NodeId = 0;

/// A standard structure type (ISO 32000-1 §14.8.4): no role map is needed.
/// Variants are spelt as the PDF names them.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Document,
    Sect,
    /// A heading, level 1–6.
    H(u8),
    P,
    L,
    LI,
    Lbl,
    LBody,
    BlockQuote,
    Code,
    Table,
    THead,
    TBody,
    TR,
    /// A header cell for its column (`true`) or its row (`false`).
    TH {
        column: bool,
    },
    TD,
    Link,
    Figure,
    TOC,
    TOCI,
}

impl Role {
    /// The structure type's name, as in `/S` and in a `BDC` tag.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Document => "Document",
            Role::Sect => "Sect",
            Role::H(level) => {
                ["H1", "H2", "H3", "H4", "H5", "H6"][usize::from(level.clamp(1, 6)) - 1]
            }
            Role::P => "P",
            Role::L => "L",
            Role::LI => "LI",
            Role::Lbl => "Lbl",
            Role::LBody => "LBody",
            Role::BlockQuote => "BlockQuote",
            Role::Code => "Code",
            Role::Table => "Table",
            Role::THead => "THead",
            Role::TBody => "TBody",
            Role::TR => "TR",
            Role::TH { .. } => "TH",
            Role::TD => "TD",
            Role::Link => "Link",
            Role::Figure => "Figure",
            Role::TOC => "TOC",
            Role::TOCI => "TOCI",
        }
    }
}

/// What a run of draws on a page is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    /// Page furniture: markings, page numbers, rules, borders, backgrounds,
    /// a table header repeated on a continuation page.
    Artifact,
    /// Content of this structure element.
    Node(NodeId),
}

/// A child of a structure element, in reading order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kid {
    Node(NodeId),
    /// Run `run` of page `page`'s marks: whatever marked content it produced.
    Run {
        page: u32,
        run: u32,
    },
}

/// One structure element.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub role: Role,
    pub parent: NodeId,
    pub kids: Vec<Kid>,
    /// Alternative text (figures).
    pub alt: Option<String>,
    /// The text of a link, for its annotation's `/Contents`.
    pub text: String,
}

/// The structure tree.
#[derive(Clone, Debug)]
pub(crate) struct Tree {
    pub nodes: Vec<Node>,
    /// Level of the last heading added: headings never skip a level.
    last_heading: u8,
}

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

impl Tree {
    pub(crate) fn new() -> Tree {
        Tree {
            nodes: vec![Node {
                role: Role::Document,
                parent: DOCUMENT,
                kids: Vec::new(),
                alt: None,
                text: String::new(),
            }],
            last_heading: 0,
        }
    }

    /// Adds an element as the last child of `parent`.
    pub(crate) fn add(&mut self, parent: NodeId, role: Role) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            role,
            parent,
            kids: Vec::new(),
            alt: None,
            text: String::new(),
        });
        if let Some(p) = self.nodes.get_mut(parent as usize) {
            p.kids.push(Kid::Node(id));
        }
        id
    }

    pub(crate) fn role(&self, node: NodeId) -> Role {
        self.nodes.get(node as usize).map_or(Role::P, |n| n.role)
    }

    /// The heading level to tag a heading asked for at `level`: never more
    /// than one below the heading before it (PDF/UA-1 7.4.2), the first one 1.
    pub(crate) fn heading_level(&mut self, level: u8) -> u8 {
        let level = level.clamp(1, 6).min(self.last_heading + 1);
        self.last_heading = level;
        level
    }

    /// Notes that the layout puts a level-1 heading here (cover, contents).
    pub(crate) fn top_heading(&mut self) {
        self.last_heading = 1;
    }

    /// Records that run `run` of `page` is content of `node`.
    pub(crate) fn add_run(&mut self, node: NodeId, page: usize, run: usize) {
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.kids.push(Kid::Run {
                page: page as u32,
                run: run as u32,
            });
        }
    }
}

/// Alternative text for an image: its own, or a description that says it has
/// none (PDF/UA-1 7.3 wants every figure described).
pub(crate) fn figure_alt(alt: &str) -> String {
    let alt = alt.split_whitespace().collect::<Vec<_>>().join(" ");
    if alt.is_empty() {
        "Image (no description given)".to_string()
    } else {
        alt
    }
}

// ---- Writing ----

/// What the writer knows of each page once its content is written.
pub(crate) struct PageTags {
    pub id: ObjectId,
    /// The element of each MCID on the page (index = MCID).
    pub mcid_nodes: Vec<NodeId>,
    /// The MCIDs each run produced, by run.
    pub run_mcids: Vec<Vec<u32>>,
    /// Each link annotation of the page: its object and its `Link` element.
    pub annots: Vec<TaggedAnnot>,
}

/// A link annotation's object and its `Link` element.
pub(crate) type TaggedAnnot = (ObjectId, NodeId);

/// The `/StructParent` of annotation `index` (counted over the whole
/// document), after the pages' `/StructParents` keys 0..pages.
pub(crate) fn annot_key(pages: usize, index: usize) -> i64 {
    (pages + index) as i64
}

/// The structure elements as PDF objects, each `(object number, "N 0 obj … endobj")`,
/// written here rather than through lopdf: a pack has tens of thousands of them, and
/// formatting them in parallel straight to bytes takes a fraction of the time and memory
/// of building and saving as many lopdf dictionaries. `writer` splices them in.
pub(crate) type Elements = Vec<(u32, Vec<u8>)>;

/// Writes the structure tree: the `StructTreeRoot` and the parent tree into `lo`, and
/// returns the root with the elements themselves as bytes (see [`Elements`]).
pub(crate) fn write(
    lo: &mut lopdf::Document,
    tree: &Tree,
    pages: &[PageTags],
) -> (ObjectId, Elements) {
    let root = lo.new_object_id();
    let ids: Vec<ObjectId> = tree.nodes.iter().map(|_| lo.new_object_id()).collect();
    // Annotations by the element that holds them.
    let mut annots: BTreeMap<NodeId, Vec<(usize, ObjectId)>> = BTreeMap::new();
    for (page, tags) in pages.iter().enumerate() {
        for &(annot, node) in &tags.annots {
            annots.entry(node).or_default().push((page, annot));
        }
    }
    let writer = ElementWriter {
        ids: &ids,
        root,
        pages,
        annots: &annots,
    };
    let elements: Elements = tree
        .nodes
        .par_iter()
        .enumerate()
        .map(|(n, node)| writer.element(n, node))
        .collect();

    // The parent tree: each page's MCIDs to their elements, then each
    // annotation to its Link element.
    let mut nums = Vec::new();
    for (key, tags) in pages.iter().enumerate() {
        nums.push(Object::Integer(key as i64));
        let parents = tags
            .mcid_nodes
            .iter()
            .map(|&node| Object::Reference(ids[node as usize]))
            .collect();
        nums.push(Object::Reference(lo.add_object(Object::Array(parents))));
    }
    let mut next_key = pages.len();
    for tags in pages {
        for &(_, node) in &tags.annots {
            nums.push(Object::Integer(next_key as i64));
            nums.push(Object::Reference(ids[node as usize]));
            next_key += 1;
        }
    }
    let parent_tree = lo.add_object(Dictionary::from_iter([("Nums", Object::Array(nums))]));
    lo.objects.insert(
        root,
        Object::Dictionary(Dictionary::from_iter([
            ("Type", Object::Name(b"StructTreeRoot".to_vec())),
            ("K", Object::Reference(ids[0])),
            ("ParentTree", Object::Reference(parent_tree)),
            ("ParentTreeNextKey", Object::Integer(next_key as i64)),
        ])),
    );
    (root, elements)
}

/// What writing one structure element needs to know of the others.
struct ElementWriter<'w> {
    /// The object of each element.
    ids: &'w [ObjectId],
    /// The `StructTreeRoot`.
    root: ObjectId,
    pages: &'w [PageTags],
    /// Annotations by the element that holds them: (page, annotation).
    annots: &'w BTreeMap<NodeId, Vec<(usize, ObjectId)>>,
}

impl ElementWriter<'_> {
    /// Element `n` as `(object number, "N 0 obj … endobj")`.
    fn element(&self, n: usize, node: &Node) -> (u32, Vec<u8>) {
        use std::io::Write;
        let mut kids: Vec<u8> = Vec::with_capacity(8 * node.kids.len() + 8);
        let mut first_page: Option<usize> = None;
        let sep = |kids: &mut Vec<u8>| {
            if !kids.is_empty() {
                kids.push(b' ');
            }
        };
        for kid in &node.kids {
            match *kid {
                Kid::Node(child) => {
                    sep(&mut kids);
                    let _ = write!(kids, "{} 0 R", self.ids[child as usize].0);
                }
                Kid::Run { page, run } => {
                    let page = page as usize;
                    let Some(mcids) = self
                        .pages
                        .get(page)
                        .and_then(|p| p.run_mcids.get(run as usize))
                    else {
                        continue;
                    };
                    for &mcid in mcids {
                        sep(&mut kids);
                        let first = *first_page.get_or_insert(page);
                        if first == page {
                            let _ = write!(kids, "{mcid}");
                        } else {
                            let _ = write!(
                                kids,
                                "<</Type/MCR/Pg {} 0 R/MCID {mcid}>>",
                                self.pages[page].id.0
                            );
                        }
                    }
                }
            }
        }
        for &(page, annot) in self.annots.get(&(n as NodeId)).into_iter().flatten() {
            first_page.get_or_insert(page);
            sep(&mut kids);
            let _ = write!(
                kids,
                "<</Type/OBJR/Pg {} 0 R/Obj {} 0 R>>",
                self.pages[page].id.0, annot.0
            );
        }
        let parent = if n == 0 {
            self.root
        } else {
            self.ids[node.parent as usize]
        };
        let id = self.ids[n].0;
        let mut out = Vec::with_capacity(kids.len() + 96);
        let _ = write!(
            out,
            "{id} 0 obj\n<</Type/StructElem/S/{}/P {} 0 R/K[",
            node.role.name(),
            parent.0
        );
        out.extend_from_slice(&kids);
        out.push(b']');
        if let Some(page) = first_page {
            let _ = write!(out, "/Pg {} 0 R", self.pages[page].id.0);
        }
        if let Some(alt) = &node.alt {
            out.extend_from_slice(b"/Alt");
            pdf_string(&mut out, alt);
        }
        if let Role::TH { column } = node.role {
            let scope = if column { "Column" } else { "Row" };
            let _ = write!(out, "/A<</O/Table/Scope/{scope}>>");
        }
        out.extend_from_slice(b">>\nendobj\n");
        (id, out)
    }
}

/// Bytes as a PDF literal string: `\\`, `(` and `)` escaped, bytes outside printable
/// ASCII as octal escapes (a URI is bytes, not text).
pub(crate) fn pdf_literal(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'(');
    for &b in bytes {
        match b {
            b'\\' | b'(' | b')' => out.extend_from_slice(&[b'\\', b]),
            0x20..=0x7E => out.push(b),
            _ => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
        }
    }
    out.push(b')');
}

/// A PDF text string, written out: literal with `\\`, `(`
/// and `)` escaped if plain ASCII, otherwise hexadecimal UTF-16BE with a BOM.
pub(crate) fn pdf_string(out: &mut Vec<u8>, text: &str) {
    if text.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        pdf_literal(out, text.as_bytes());
    } else {
        out.push(b'<');
        out.extend_from_slice(b"FEFF");
        for unit in text.encode_utf16() {
            out.extend_from_slice(format!("{unit:04X}").as_bytes());
        }
        out.push(b'>');
    }
}

/// The XMP metadata packet: the same title, author, subject, tool and dates
/// as the information dictionary, and the PDF/UA-1 identification.
pub(crate) fn xmp(title: &str, author: &str, subject: &str, date: (i32, u8, u8)) -> Vec<u8> {
    let (year, month, day) = date;
    let date = format!(
        "{:04}-{:02}-{:02}T00:00:00+00:00",
        year.clamp(0, 9999),
        month.clamp(1, 12),
        day.clamp(1, 31)
    );
    let alt = |text: &str| {
        format!(
            "<rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt>",
            xml_escape(text)
        )
    };
    let mut dc = format!(
        "<dc:format>application/pdf</dc:format><dc:title>{}</dc:title>",
        alt(title)
    );
    if !author.is_empty() {
        dc.push_str(&format!(
            "<dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>",
            xml_escape(author)
        ));
    }
    if !subject.is_empty() {
        dc.push_str(&format!(
            "<dc:description>{}</dc:description>",
            alt(subject)
        ));
    }
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">{dc}</rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"><xmp:CreatorTool>Assure</xmp:CreatorTool><xmp:CreateDate>{date}</xmp:CreateDate><xmp:ModifyDate>{date}</xmp:ModifyDate><xmp:MetadataDate>{date}</xmp:MetadataDate></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"><pdf:Producer>Assure</pdf:Producer></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:pdfuaid=\"http://www.aiim.org/pdfua/ns/id/\"><pdfuaid:part>1</pdfuaid:part></rdf:Description>\n\
</rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>"
    )
    .into_bytes()
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{pdf_literal, pdf_string};

    /// Written strings read back as the text: parentheses and backslashes escaped in a
    /// literal, anything beyond ASCII as UTF-16BE with its byte-order mark.
    #[test]
    fn alternative_text_is_written_as_a_pdf_string() {
        let w = |t: &str| {
            let mut out = Vec::new();
            pdf_string(&mut out, t);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(w("Chart (2014) a\\b"), r"(Chart \(2014\) a\\b)");
        assert_eq!(w("Café"), "<FEFF00430061006600E9>");
        assert_eq!(w("😀"), "<FEFFD83DDE00>");
        assert_eq!(w(""), "()");
        // A URI's bytes: beyond ASCII as octal escapes.
        let mut out = Vec::new();
        pdf_literal(&mut out, "a/é(1)".as_bytes());
        assert_eq!(String::from_utf8(out).unwrap(), r"(a/\303\251\(1\))");
    }
}
