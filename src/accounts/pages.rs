//! The login page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    forms::{FormErrors, TextField},
    i18n::current_lang,
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = current_lang();
    let next = use_query_map().get_untracked().get("next").unwrap_or_default();
    let next = crate::forms::field_value("next", next);
    view! {
        <Title text=lang.tr("login.title")/>
        <h1>{lang.tr("login.title")}</h1>
        <p>{lang.tr("login.intro")}</p>
        <form method="post" action="/login" class="form">
            <FormErrors/>
            <input type="hidden" name="next" value=next/>
            <TextField name="email" label=lang.tr("login.email") input_type="email" autocomplete="username" required=true/>
            <TextField name="password" label=lang.tr("login.password") input_type="password" autocomplete="current-password" required=true/>
            <button type="submit" class="button button-primary">{lang.tr("login.submit")}</button>
        </form>
    }
}
