//! The figure size options shared by every command that writes charts.

use llm_offload::plot::RenderOptions;

/// Size of the written figures (SVG and PNG).
#[derive(Debug, Clone, clap::Args)]
pub struct FigureArgs {
    /// Figure width (inches).
    #[arg(long, default_value_t = RenderOptions::default().width_in)]
    pub fig_width: f64,
    /// Figure height (inches).
    #[arg(long, default_value_t = RenderOptions::default().height_in)]
    pub fig_height: f64,
    /// Resolution of the PNG (dots per inch); the SVG is 96 units per inch.
    #[arg(long, default_value_t = RenderOptions::default().dpi)]
    pub dpi: u32,
}

impl FigureArgs {
    /// The render options (checked when a figure is saved).
    pub fn options(&self) -> RenderOptions {
        RenderOptions {
            width_in: self.fig_width,
            height_in: self.fig_height,
            dpi: self.dpi,
        }
    }
}
