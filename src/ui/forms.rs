//! Form controls. A submission that failed comes back to its page as a `FormState`
//! (see `server::forms`), so the page re-renders with the person's input and a message
//! beside each field, with or without JavaScript.

use leptos::prelude::*;

pub use crate::server::forms::FormState;

/// The failed submission being shown, if any.
pub fn form_state() -> FormState {
    use_context::<FormState>().unwrap_or_default()
}

/// What a field shows: the resubmitted value if any, else the given default.
pub fn field_value(field: &str, default: impl Into<String>) -> String {
    form_state().value(field).unwrap_or_else(|| default.into())
}

fn error_id(name: &str) -> String {
    format!("{name}-error")
}

/// The error beside a field, linked to it by `aria-describedby`.
#[component]
pub fn FieldError(#[prop(into)] name: String) -> impl IntoView {
    form_state().error(&name).map(|message| {
        view! { <p class="field-error" id=error_id(&name)>{message}</p> }
    })
}

/// A labelled text-like input with its hint and error.
#[component]
pub fn TextField(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, optional)] value: String,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(into, default = "text".to_string())] input_type: String,
    #[prop(into, optional)] autocomplete: Option<String>,
    #[prop(into, optional)] inputmode: Option<String>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let state = form_state();
    let has_error = state.error(&name).is_some();
    let value = state.value(&name).unwrap_or(value);
    let hint_id = format!("{name}-hint");
    let described = [hint.as_ref().map(|_| hint_id.clone()), has_error.then(|| error_id(&name))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <div class="field" class:has-error=has_error>
            <label for=name.clone()>
                {label}
                {required.then(|| view! { " " <span class="required-mark">{super::current_lang().tr("form.required")}</span> })}
            </label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <input
                type=input_type
                id=name.clone()
                name=name.clone()
                value=value
                required=required
                autocomplete=autocomplete
                inputmode=inputmode
                autofocus=autofocus
                aria-invalid=has_error.then_some("true")
                aria-describedby=(!described.is_empty()).then_some(described)
            />
            <FieldError name=name/>
        </div>
    }
}

/// An input whose label stands elsewhere (a table header, a visually hidden label),
/// still tied to its error message.
#[component]
pub fn BareInput(
    #[prop(into)] name: String,
    #[prop(into)] input_type: String,
    #[prop(into)] value: String,
) -> impl IntoView {
    let has_error = form_state().error(&name).is_some();
    let value = field_value(&name, value);
    view! {
        <input
            type=input_type
            id=name.clone()
            name=name.clone()
            value=value
            aria-invalid=has_error.then_some("true")
            aria-describedby=has_error.then(|| error_id(&name))
        />
        <FieldError name=name/>
    }
}

/// A labelled select over `(code, label)` options.
#[component]
pub fn SelectField(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    options: Vec<(String, String)>,
    #[prop(into, optional)] value: String,
    #[prop(optional)] required: bool,
    /// Label of an empty first choice ("all", "please choose").
    #[prop(into, optional)]
    empty: Option<String>,
) -> impl IntoView {
    let state = form_state();
    let has_error = state.error(&name).is_some();
    let selected = state.value(&name).unwrap_or(value);
    view! {
        <div class="field" class:has-error=has_error>
            <label for=name.clone()>
                {label}
                {required.then(|| view! { " " <span class="required-mark">{super::current_lang().tr("form.required")}</span> })}
            </label>
            <select
                id=name.clone()
                name=name.clone()
                required=required
                aria-invalid=has_error.then_some("true")
                aria-describedby=has_error.then(|| error_id(&name))
            >
                {empty.map(|label| view! { <option value="">{label}</option> })}
                {options
                    .into_iter()
                    .map(|(code, label)| {
                        let is_selected = code == selected;
                        view! { <option value=code selected=is_selected>{label}</option> }
                    })
                    .collect_view()}
            </select>
            <FieldError name=name/>
        </div>
    }
}

/// The box at the top of a failed form (WCAG 3.3.1): how many places need fixing and a
/// link to each, in the order of `labels` (field name → its label) when the form gives
/// them; focus moves here when the page comes back refused, so a screen reader reads it
/// first and a keyboard user tabs straight to the first link.
#[component]
pub fn FormErrors(#[prop(optional)] labels: Vec<(String, String)>) -> impl IntoView {
    let state = form_state();
    let lang = super::current_lang();
    state.refused().then(|| {
        let position = |field: &str| labels.iter().position(|(name, _)| *name == field).unwrap_or(usize::MAX);
        let mut errors: Vec<(String, String)> = state.errors.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        errors.sort_by(|a, b| (position(&a.0), &a.0).cmp(&(position(&b.0), &b.0)));
        let label_of = |field: &str| labels.iter().find(|(name, _)| *name == field).map(|(_, label)| label.clone());
        let heading = state
            .summary
            .clone()
            .unwrap_or_else(|| lang.tr_with("form.has_errors_n", &[("n", errors.len().to_string())]));
        let links = errors
            .into_iter()
            .map(|(field, message)| {
                let text = match label_of(&field) {
                    Some(label) => format!("{label}：{message}"),
                    None => message,
                };
                view! { <li><a href=format!("#{field}")>{text}</a></li> }
            })
            .collect_view();
        view! {
            <div class="form-errors" role="alert" tabindex="-1" id="form-errors" autofocus=true>
                <p><strong>{heading}</strong></p>
                <ul class="stack">{links}</ul>
            </div>
        }
    })
}

/// A labelled multi-line text box.
#[component]
pub fn TextArea(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, optional)] value: String,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(default = 3)] rows: u32,
) -> impl IntoView {
    let state = form_state();
    let has_error = state.error(&name).is_some();
    let value = state.value(&name).unwrap_or(value);
    let hint_id = format!("{name}-hint");
    view! {
        <div class="field" class:has-error=has_error>
            <label for=name.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <textarea
                id=name.clone()
                name=name.clone()
                rows=rows
                aria-invalid=has_error.then_some("true")
                aria-describedby=has_error.then(|| error_id(&name))
            >
                {value}
            </textarea>
            <FieldError name=name/>
        </div>
    }
}

/// A fieldset of radio buttons, each a large tappable row.
#[component]
pub fn RadioGroup(
    #[prop(into)] name: String,
    #[prop(into)] legend: String,
    options: Vec<(String, String)>,
    #[prop(into, optional)] value: String,
    #[prop(optional)] required: bool,
    #[prop(into, optional)] hint: Option<String>,
) -> impl IntoView {
    let state = form_state();
    let has_error = state.error(&name).is_some();
    let selected = state.value(&name).unwrap_or(value);
    let hint_id = format!("{name}-hint");
    let described = [hint.as_ref().map(|_| hint_id.clone()), has_error.then(|| error_id(&name))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <fieldset
            id=name.clone()
            class="fieldset field"
            class:has-error=has_error
            aria-describedby=(!described.is_empty()).then_some(described)
        >
            <legend>
                {legend}
                {required.then(|| view! { " " <span class="required-mark">{super::current_lang().tr("form.required")}</span> })}
            </legend>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id>{h}</p> })}
            <div class="choice-group">
                {options
                    .into_iter()
                    .enumerate()
                    .map(|(i, (code, label))| {
                        let id = format!("{name}-{i}");
                        let label_for = id.clone();
                        let checked = code == selected;
                        view! {
                            <label class="choice" for=label_for>
                                <input
                                    type="radio"
                                    id=id
                                    name=name.clone()
                                    value=code
                                    checked=checked
                                    required=required
                                    aria-invalid=has_error.then_some("true")
                                />
                                <span>{label}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <FieldError name=name.clone()/>
        </fieldset>
    }
}

/// A single labelled checkbox.
#[component]
pub fn Checkbox(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(optional)] checked: bool,
    #[prop(optional)] required: bool,
    /// One of several boxes under a fieldset's legend (one question, not a field of its own).
    #[prop(optional)]
    in_group: bool,
) -> impl IntoView {
    let state = form_state();
    let has_error = state.error(&name).is_some();
    // A failed submission is shown as it was sent: unticked boxes are absent from it.
    let checked = if state.values.is_empty() { checked } else { state.value(&name).is_some() };
    view! {
        <div class=if in_group { "field-part" } else { "field" } class:has-error=has_error>
            <label class="choice" for=name.clone()>
                <input
                    type="checkbox"
                    id=name.clone()
                    name=name.clone()
                    checked=checked
                    required=required
                    aria-invalid=has_error.then_some("true")
                    aria-describedby=has_error.then(|| error_id(&name))
                />
                <span>{label}</span>
            </label>
            <FieldError name=name.clone()/>
        </div>
    }
}

pub use crate::server::forms::FORM_TOKEN;

/// A fresh key for a form, so submitting it twice makes one thing (kept across a refused
/// submission, so the retry is still the same submission).
pub fn form_token() -> String {
    field_value(FORM_TOKEN, crate::server::once::random_hex(16))
}

/// The hidden one-time key of a form that creates something.
#[component]
pub fn OnceKey() -> impl IntoView {
    view! { <input type="hidden" name=FORM_TOKEN value=form_token()/> }
}

/// A fieldset of checkboxes sharing one name (several may be ticked).
#[component]
pub fn CheckboxGroup(
    #[prop(into)] name: String,
    #[prop(into)] legend: String,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let state = form_state();
    let has_error = state.error(&name).is_some();
    view! {
        <fieldset class="fieldset field" class:has-error=has_error aria-describedby=has_error.then(|| error_id(&name))>
            <legend>{legend}</legend>
            <div class="choice-group">
                {options
                    .into_iter()
                    .enumerate()
                    .map(|(i, (code, label))| {
                        let id = format!("{name}-{i}");
                        let label_for = id.clone();
                        let checked = state.sent(&name, &code);
                        view! {
                            <label class="choice" for=label_for>
                                <input type="checkbox" id=id name=name.clone() value=code checked=checked/>
                                <span>{label}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <FieldError name=name.clone()/>
        </fieldset>
    }
}
