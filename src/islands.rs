//! The only code shipped to browsers: the interactive islands. Every page is complete
//! without them (SPEC.md: every form also works without JavaScript).

use leptos::prelude::*;

/// Opens the browser's print dialog (printing from the browser menu works without it).
#[island]
pub fn PrintButton(label: String) -> impl IntoView {
    view! {
        <button type="button" class="button button-secondary no-print" on:click=|_| { let _ = window().print(); }>
            {label}
        </button>
    }
}
