//! A model's input form, read from Replicate once per model and version and
//! kept for the life of the [`Queue`]: the window's create page and every
//! submit read it from here.
//!
//! The key is `owner/name` plus the pinned version, if any: an unpinned
//! model's form is its latest version's at the time of the first read (a
//! version published later shows up in a new session). Only answers are
//! kept, a usable form or a [`SchemaError`]; a request that failed (no
//! token, network, 404) is not, so the next call asks again.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::model::ModelRef;
use crate::queue::{Queue, QueueError};
use crate::replicate::{InputForm, Model, SchemaError};

/// A model's description and its input form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelForm {
    pub model: String,
    pub description: Option<String>,
    pub form: InputForm,
}

/// `(owner/name, pinned version)`.
type FormKey = (String, Option<String>);

/// The forms read so far (see the module doc). Two submits that miss at the
/// same moment may both read the schema; the later answer is kept.
#[derive(Default)]
pub(crate) struct FormCache {
    forms: Mutex<HashMap<FormKey, Result<ModelForm, SchemaError>>>,
}

impl FormCache {
    fn key(model: &ModelRef) -> FormKey {
        (model.name_path(), model.version.clone())
    }

    fn get(&self, model: &ModelRef) -> Option<Result<ModelForm, SchemaError>> {
        self.forms.lock().unwrap().get(&Self::key(model)).cloned()
    }

    pub(super) fn put(&self, model: &ModelRef, form: Result<ModelForm, SchemaError>) {
        self.forms.lock().unwrap().insert(Self::key(model), form);
    }
}

impl Queue {
    /// A model's input form: from the cache, else read with [`Queue::model`]
    /// and kept.
    ///
    /// Errors: those of [`Queue::model`] (`no_token`, `not_found`, …), not
    /// kept; `schema` when the model's schema gives no usable form (no
    /// published version, no `Input`, malformed), kept.
    pub async fn model_form(&self, model: &ModelRef) -> Result<ModelForm, QueueError> {
        if let Some(known) = self.forms().get(model) {
            return known.map_err(QueueError::Schema);
        }
        let m = self.model(model).await?;
        let form = m.input_form().map(|form| ModelForm {
            model: model.name_path(),
            description: m.description.clone(),
            form,
        });
        self.forms().put(model, form.clone());
        form.map_err(QueueError::Schema)
    }

    /// A model's description and input schema, read with the least recently
    /// used active token that is not cooling down: `GET /models/{owner}/{name}`,
    /// and for a pinned version `GET /models/{owner}/{name}/versions/{id}`
    /// (its schema then replaces the latest version's). Not cached: see
    /// [`Queue::model_form`].
    ///
    /// Errors: `no_token` when no token can be used; Replicate's answer
    /// otherwise (`not_found` for an unknown model or version). A token
    /// refused with 401/403 is disabled on the way.
    pub async fn model(&self, model: &ModelRef) -> Result<Model, QueueError> {
        let (token_id, secret) = self.read_token().await?;
        let res = self
            .client()
            .get_model(&secret, &model.owner, &model.name)
            .await;
        let mut m = self.checked(token_id, res)?;
        if let Some(v) = &model.version {
            let res = self
                .client()
                .get_version(&secret, &model.owner, &model.name, v)
                .await;
            m.latest_version = Some(self.checked(token_id, res)?);
        }
        Ok(m)
    }
}
