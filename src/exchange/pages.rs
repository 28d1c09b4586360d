//! The managers' import and export page.
