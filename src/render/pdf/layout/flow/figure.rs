//! Images and drawings (charts), kept whole on one page.

use super::{Item, Layouter, Leaf};
use crate::render::pdf::layout::drawing::{self, Drawing};
use crate::render::pdf::layout::page::{Draw, BODY_H, MARGIN_X};

impl<'f, 'a> Layouter<'f, 'a> {
    /// Natural size at 96 dpi, scaled down to fit the width and most of a page.
    pub(super) fn image_size(&self, item: &Item<'_>, image: usize) -> (f32, f32) {
        let Some(img) = self.flat.images.get(image) else {
            return (0.0, 0.0);
        };
        let (w, h) = (img.width as f32 * 0.75, img.height as f32 * 0.75);
        let scale = (Self::width_of(item) / w).min(BODY_H * 0.85 / h).min(1.0);
        (w * scale, h * scale)
    }

    pub(super) fn place_image(&mut self, item: &Item<'_>, image: usize, gap: f32) {
        let (w, h) = self.image_size(item, image);
        let top = self.slot(gap, h);
        let page = self.page();
        let x = MARGIN_X + item.left;
        self.draw(
            page,
            Draw::Image {
                index: image,
                x,
                y: top,
                w,
                h,
            },
        );
        self.mark_bars(page, &item.bars, top, top + h);
        self.used(top + h);
    }

    /// A drawing scaled to the text width, moved whole to the next page if it
    /// does not fit on this one.
    /// A drawing's summary follows it onto the page: the space the first lines of the
    /// paragraph after drawing `index` need, so a chart never ends a page alone.
    pub(super) fn caption_need(&mut self, index: usize) -> f32 {
        let Some(next) = self.flat.items.get(index + 1) else {
            return 0.0;
        };
        if !matches!(next.leaf, Leaf::Paragraph(_)) {
            return 0.0;
        }
        let gap = self.flat.items[index].after.max(next.before);
        gap + self.lead_height(index + 1, 3)
    }

    pub(super) fn place_drawing(&mut self, item: &Item<'_>, d: &Drawing, gap: f32, caption: f32) {
        let scale = drawing::scale(d, Self::width_of(item));
        let h = d.height * scale;
        let top = self.slot(gap, h + caption);
        let page = self.page();
        for draw in drawing::draws(self.fonts, d, MARGIN_X + item.left, top, scale) {
            self.draw(page, draw);
        }
        self.mark_bars(page, &item.bars, top, top + h);
        self.used(top + h);
    }
}
