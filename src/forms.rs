//! A submitted form that failed validation, handed back to the page that shows it, so
//! pages re-render with the person's input and a message beside each field — with or
//! without JavaScript.

use std::collections::HashMap;

use leptos::prelude::*;

/// Values and translated errors of one submission, by field name.
#[derive(Clone, Debug, Default)]
pub struct FormState {
    /// In the order sent; a name repeats for a group of ticked boxes.
    pub values: Vec<(String, String)>,
    pub errors: HashMap<String, String>,
    /// A message about the whole form (for example "the session is full").
    pub summary: Option<String>,
}

impl FormState {
    pub fn value(&self, field: &str) -> Option<String> {
        self.values.iter().find(|(name, _)| name == field).map(|(_, value)| value.clone())
    }

    /// Whether `field` was sent with this value (a ticked box of a group).
    pub fn sent(&self, field: &str, value: &str) -> bool {
        self.values.iter().any(|(name, v)| name == field && v == value)
    }

    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).cloned()
    }
}

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
                {required.then(|| view! { " " <span class="required-mark">{crate::i18n::current_lang().tr("form.required")}</span> })}
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
    #[prop(into, optional)] empty: Option<String>,
) -> impl IntoView {
    let state = form_state();
    let has_error = state.error(&name).is_some();
    let selected = state.value(&name).unwrap_or(value);
    view! {
        <div class="field" class:has-error=has_error>
            <label for=name.clone()>
                {label}
                {required.then(|| view! { " " <span class="required-mark">{crate::i18n::current_lang().tr("form.required")}</span> })}
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

/// The box at the top of a failed form that says what went wrong.
#[component]
pub fn FormErrors() -> impl IntoView {
    let state = form_state();
    let lang = crate::i18n::current_lang();
    (state.summary.is_some() || !state.errors.is_empty()).then(|| {
        view! {
            <div class="form-errors" role="alert" tabindex="-1" id="form-errors">
                <p><strong>{state.summary.unwrap_or_else(|| lang.tr("form.has_errors"))}</strong></p>
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
            class="fieldset field"
            class:has-error=has_error
            aria-describedby=(!described.is_empty()).then_some(described)
        >
            <legend>
                {legend}
                {required.then(|| view! { " " <span class="required-mark">{crate::i18n::current_lang().tr("form.required")}</span> })}
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
) -> impl IntoView {
    let state = form_state();
    let has_error = state.error(&name).is_some();
    // A failed submission is shown as it was sent: unticked boxes are absent from it.
    let checked = if state.values.is_empty() { checked } else { state.value(&name).is_some() };
    view! {
        <div class="field" class:has-error=has_error>
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

/// A fresh key for a form, so submitting it twice registers once.
pub fn form_token() -> String {
    #[cfg(feature = "ssr")]
    {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        field_value("form_token", hex::encode(bytes))
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
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
