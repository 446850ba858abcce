//! The admin extension: events, rooms (with capacity) and checkpoints (tags, excluded tags,
//! max readings, room, direction, active). POST with an id that exists replaces the object
//! (200); a new one answers 201.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use entrada_domain::{Checkpoint, Direction, Event, ReadingConfirmation, Room, Tag};
use entrada_store::admin::Refusal;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::db;
use crate::body;
use crate::error::ApiError;
use crate::present;
use crate::state::Shared;
use crate::storage::{HubStorage, StorageError, StorageResult};

const BLANK: &str = "This value should not be blank.";

async fn run<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&dyn HubStorage) -> StorageResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || f(storage.as_ref()))
        .await
        .map_err(|e| ApiError::Internal(format!("storage task: {e}")))?
        .map_err(|e| match e {
            StorageError::Refused(Refusal::EventNotFound) => ApiError::not_found(),
            StorageError::Refused(Refusal::RoomNotFound) => {
                ApiError::field("room_id", "missing", None)
            }
            StorageError::Refused(Refusal::TagNotFound) => ApiError::field("tags", "missing", None),
            other => ApiError::from(other),
        })
}

fn new_id(id: Option<String>) -> Result<String, ApiError> {
    match id {
        None => Ok(uuid::Uuid::new_v4().to_string()),
        Some(id) if id.trim().is_empty() || id.len() > 200 => Err(ApiError::field(
            "id",
            "invalid",
            Some("The id must be 1 to 200 characters"),
        )),
        Some(id) => Ok(id),
    }
}

fn created(existed: bool) -> StatusCode {
    if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    }
}

#[derive(Deserialize)]
struct EventBody {
    id: Option<String>,
    name: Option<String>,
    slug: Option<String>,
    timezone: Option<String>,
    validity_date: Option<chrono::DateTime<chrono::FixedOffset>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

pub async fn create_event(State(state): State<Shared>, bytes: Bytes) -> Result<Response, ApiError> {
    let b: EventBody = body::json(&bytes)?;
    let Some(name) = b.name.filter(|n| !n.trim().is_empty()) else {
        return Err(ApiError::field("name", "missing_field", Some(BLANK)));
    };
    let id = new_id(b.id)?;
    let mut extra = b.extra;
    extra.entry("created_at").or_insert_with(|| {
        Value::String(entrada_domain::time::format(&entrada_domain::time::now()))
    });
    let event = Event {
        id: id.as_str().into(),
        name,
        slug: b.slug,
        timezone: b.timezone,
        validity_date: b.validity_date,
        extra,
    };
    let e = event.clone();
    let existed = run(&state, move |s| {
        let existed = s.event(e.id.as_str())?.is_some();
        s.upsert_event(e)?;
        Ok(existed)
    })
    .await?;
    Ok((created(existed), Json(present::event(&event))).into_response())
}

pub async fn get_event(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    db(&state, move |s| s.event(&id))
        .await?
        .map(|e| Json(present::event(&e)))
        .ok_or_else(ApiError::not_found)
}

#[derive(Deserialize)]
struct RoomBody {
    id: Option<String>,
    name: Option<String>,
    capacity: Option<u32>,
}

pub async fn rooms(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let rooms = run(&state, move |s| {
        if s.event(&id)?.is_none() {
            return Err(StorageError::Refused(Refusal::EventNotFound));
        }
        s.rooms(&id)
    })
    .await?;
    Ok(Json(rooms).into_response())
}

pub async fn create_room(
    State(state): State<Shared>,
    Path(event): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b: RoomBody = body::json(&bytes)?;
    let Some(name) = b.name.filter(|n| !n.trim().is_empty()) else {
        return Err(ApiError::field("name", "missing_field", Some(BLANK)));
    };
    let room = Room {
        id: new_id(b.id)?.into(),
        name,
        capacity: b.capacity,
    };
    let r = room.clone();
    let existed = run(&state, move |s| {
        let existed = s.rooms(&event)?.iter().any(|x| x.room.id == r.id);
        s.upsert_room(&event, r)?;
        Ok(existed)
    })
    .await?;
    Ok((created(existed), Json(room)).into_response())
}

/// A tag given by id or as an object with an id.
#[derive(Deserialize)]
#[serde(untagged)]
enum TagRef {
    Id(String),
    Object { id: String },
}

impl TagRef {
    fn tag(self) -> Tag {
        let id = match self {
            TagRef::Id(id) | TagRef::Object { id } => id,
        };
        Tag {
            id: id.into(),
            name: String::new(),
            created_at: None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CheckpointBody {
    id: Option<String>,
    name: Option<String>,
    tags: Option<Vec<TagRef>>,
    excluded_tags: Option<Vec<TagRef>>,
    /// `Some(None)`: explicitly unlimited.
    #[serde(default, with = "double_option")]
    max_readings: Option<Option<u32>>,
    #[serde(default, with = "double_option")]
    room_id: Option<Option<String>>,
    direction: Option<Direction>,
    active: Option<bool>,
    #[serde(default, with = "double_option")]
    reading_confirmation: Option<Option<ReadingConfirmation>>,
}

/// Tells a missing field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

fn apply(cp: &mut Checkpoint, b: CheckpointBody) {
    if let Some(name) = b.name {
        cp.name = name;
    }
    if let Some(tags) = b.tags {
        cp.tags = tags.into_iter().map(TagRef::tag).collect();
    }
    if let Some(tags) = b.excluded_tags {
        cp.excluded_tags = tags.into_iter().map(TagRef::tag).collect();
    }
    if let Some(m) = b.max_readings {
        cp.max_readings = m;
    }
    if let Some(r) = b.room_id {
        cp.room_id = r.map(Into::into);
    }
    if let Some(d) = b.direction {
        cp.direction = d;
    }
    if let Some(a) = b.active {
        cp.active = a;
    }
    if let Some(rc) = b.reading_confirmation {
        cp.reading_confirmation = rc;
    }
}

pub async fn create_checkpoint(
    State(state): State<Shared>,
    Path(event): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let mut b: CheckpointBody = body::json(&bytes)?;
    if b.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ApiError::field("name", "missing_field", Some(BLANK)));
    }
    let id = new_id(b.id.take())?;
    let mut cp = Checkpoint {
        id: id.as_str().into(),
        name: String::new(),
        created_at: Some(entrada_domain::time::format(&entrada_domain::time::now())),
        tags: Vec::new(),
        excluded_tags: Vec::new(),
        active: true,
        max_readings: None,
        room_id: None,
        direction: Direction::In,
        reading_confirmation: None,
        extra: Map::new(),
    };
    apply(&mut cp, b);
    let (existed, saved) = run(&state, move |s| {
        let existed = s.checkpoint(&id)?.is_some();
        s.upsert_checkpoint(&event, cp)?;
        let saved = s.checkpoint(&id)?;
        Ok((existed, saved))
    })
    .await?;
    let (cp, event_id) = saved.ok_or_else(|| ApiError::Internal("checkpoint vanished".into()))?;
    let ev = event_id.to_string();
    let e = db(&state, move |s| s.event(&ev))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((created(existed), Json(present::checkpoint(&cp, &e))).into_response())
}

pub async fn get_checkpoint(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let found = db(&state, move |s| {
        let Some((cp, ev)) = s.checkpoint(&id)? else {
            return Ok(None);
        };
        Ok(s.event(ev.as_str())?.map(|e| (cp, e)))
    })
    .await?;
    let (cp, e) = found.ok_or_else(ApiError::not_found)?;
    Ok(Json(present::checkpoint(&cp, &e)))
}

/// `PATCH /checkpoint/<id>`: changes the given fields only (e.g. `{"active": false}`).
pub async fn update_checkpoint(
    State(state): State<Shared>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut b: CheckpointBody = body::json(&bytes)?;
    if b.id.take().is_some_and(|new| new != id) {
        return Err(ApiError::field(
            "id",
            "invalid",
            Some("The id can not be changed"),
        ));
    }
    if b.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(ApiError::field("name", "missing_field", Some(BLANK)));
    }
    let saved = run(&state, move |s| {
        let Some((mut cp, ev)) = s.checkpoint(&id)? else {
            return Ok(None);
        };
        apply(&mut cp, b);
        s.upsert_checkpoint(ev.as_str(), cp)?;
        let Some((cp, ev)) = s.checkpoint(&id)? else {
            return Ok(None);
        };
        Ok(s.event(ev.as_str())?.map(|e| (cp, e)))
    })
    .await?;
    let (cp, e) = saved.ok_or_else(ApiError::not_found)?;
    Ok(Json(present::checkpoint(&cp, &e)))
}
