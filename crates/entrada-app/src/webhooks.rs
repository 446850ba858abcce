//! Webhook subscriptions of this device, through the core webhook module (signed POSTs
//! from a durable outbox; see `entrada_webhook`). Secrets are sealed at rest with the
//! device's secret box and shown to the user once, when the subscription is created.

use entrada_secret::SecretBox;
use entrada_webhook::{self as webhook, Delivery, DeliveryFilter, DispatchConfig, Topic};

use crate::error::AppError;
use crate::types::*;
use crate::{App, Result};

fn secrets() -> Result<SecretBox> {
    SecretBox::open_default().map_err(|e| AppError::internal(format!("secret store: {e}")))
}

fn subscription_view(s: webhook::Subscription) -> WebhookSubscription {
    WebhookSubscription {
        id: s.id,
        url: s.url,
        topics: s.topics.iter().map(|t| t.as_str().to_owned()).collect(),
        enabled: s.enabled,
        created_at: s.created_at,
    }
}

fn delivery_view(
    d: Delivery,
    latency_ms: Option<u64>,
    last_attempt_at: Option<String>,
) -> WebhookDelivery {
    WebhookDelivery {
        webhook_identifier: d.id.clone(),
        id: d.id,
        subscription_id: d.subscription_id,
        topic: d.topic,
        status: d.state,
        response_code: d.last_status,
        latency_ms,
        attempts: d.attempts,
        last_attempt_at,
        next_attempt_at: d.next_attempt_at,
        error: d.last_error,
    }
}

impl App {
    /// `webhooks_list`.
    pub fn webhooks_list(&self) -> Result<WebhookList> {
        let store = self.store();
        let subscriptions = webhook::subscriptions(store.connection())?
            .into_iter()
            .map(subscription_view)
            .collect();
        Ok(WebhookList {
            subscriptions,
            topics: Topic::ALL.iter().map(|t| t.as_str().to_owned()).collect(),
        })
    }

    /// `webhooks_add`: the secret is returned here only.
    pub fn webhooks_add(&self, url: &str, topics: &[String]) -> Result<WebhookCreated> {
        let topics = topics
            .iter()
            .map(|t| Topic::parse(t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AppError::invalid(e.to_string()))?;
        let secrets = secrets()?;
        let store = self.store();
        let created = webhook::add_subscription(store.connection(), &secrets, url.trim(), &topics)?;
        Ok(WebhookCreated {
            id: created.id,
            secret: created.secret,
        })
    }

    /// `webhooks_remove`.
    pub fn webhooks_remove(&self, id: &str) -> Result<()> {
        webhook::remove_subscription(self.store().connection(), id)?;
        Ok(())
    }

    /// `webhooks_set_enabled`.
    pub fn webhooks_set_enabled(&self, id: &str, enabled: bool) -> Result<()> {
        webhook::set_enabled(self.store().connection(), id, enabled)?;
        Ok(())
    }

    /// `webhooks_deliveries`: newest first.
    pub fn webhooks_deliveries(&self, id: &str, limit: u32) -> Result<Vec<WebhookDelivery>> {
        let store = self.store();
        webhook::subscription(store.connection(), id)?;
        let list = webhook::deliveries(
            store.connection(),
            &DeliveryFilter {
                subscription: Some(id),
                limit: Some(limit.clamp(1, 500)),
                ..DeliveryFilter::default()
            },
        )?;
        list.into_iter()
            .map(|d| self.with_last_attempt(&store, d))
            .collect()
    }

    fn with_last_attempt(
        &self,
        store: &entrada_store::Store,
        d: Delivery,
    ) -> Result<WebhookDelivery> {
        let last = webhook::attempts(store.connection(), &d.id)?.pop();
        let latency = last.as_ref().map(|a| a.latency_ms.round() as u64);
        let at = last.map(|a| a.started_at);
        Ok(delivery_view(d, latency, at))
    }

    /// `webhooks_resend`: re-queued with the same identifier.
    pub fn webhooks_resend(&self, delivery_id: &str) -> Result<WebhookDelivery> {
        let store = self.store();
        let d = webhook::resend(store.connection(), delivery_id)?;
        self.with_last_attempt(&store, d)
    }

    /// `webhooks_ping`: a signed test ping, sent now.
    pub fn webhooks_ping(&self, id: &str) -> Result<WebhookDelivery> {
        let db = self.config.data_dir.join("replica.db");
        let secrets = secrets()?;
        // On the app's own runtime: Tauri calls commands from its tokio workers, where
        // starting a runtime of our own would panic.
        let id_owned = id.to_owned();
        let attempt = self.upstream.wait(async move {
            webhook::ping(&db, &secrets, DispatchConfig::default(), &id_owned).await
        })??;
        let store = self.store();
        let list = webhook::deliveries(
            store.connection(),
            &DeliveryFilter {
                id: Some(&attempt.delivery_id),
                ..DeliveryFilter::default()
            },
        )?;
        let Some(d) = list.into_iter().next() else {
            return Err(AppError::not_found(attempt.delivery_id));
        };
        self.with_last_attempt(&store, d)
    }
}
