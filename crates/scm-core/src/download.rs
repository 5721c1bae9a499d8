//! Streamed downloads (archives, job logs).

use std::fmt;

use crate::transport::Body;

/// Bytes streamed from the provider without buffering the whole file.
pub struct Download {
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    /// The file name the provider suggests (`Content-Disposition`).
    pub filename: Option<String>,
    pub body: Body,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .field("filename", &self.filename)
            .finish_non_exhaustive()
    }
}
