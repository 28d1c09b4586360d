//! The login page.

use super::handlers::field;
use crate::ui::{
    current_lang,
    forms::{field_value, FormErrors, TextField},
    query_param,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = current_lang();
    let next = field_value(field::NEXT, query_param(field::NEXT).unwrap_or_default());
    view! {
        <Title text=lang.tr("login.title")/>
        <h1>{lang.tr("login.title")}</h1>
        <p>{lang.tr("login.intro")}</p>
        <form method="post" action="/login" class="form">
            <FormErrors/>
            <input type="hidden" name=field::NEXT value=next/>
            <TextField name=field::EMAIL label=lang.tr("login.email") input_type="email" autocomplete="username" required=true/>
            <TextField name=field::PASSWORD label=lang.tr("login.password") input_type="password" autocomplete="current-password" required=true/>
            <button type="submit" class="button button-primary">{lang.tr("login.submit")}</button>
        </form>
    }
}
