<?php
// Test receiver for Entrada webhooks, run with php-cli's built-in server:
//   WEBHOOK_SECRET=whsec_... WEBHOOK_LOG=/tmp/log.jsonl php -S 127.0.0.1:PORT receiver.php
//
// The x-eventwo-access-signature check is the Access API documentation's snippet, with
// the one change a real PHP server needs: headers arrive in $_SERVER as HTTP_<NAME>.
// It also checks the Standard Webhooks signature by hand, and appends one JSON line per
// request to WEBHOOK_LOG. Answers 204 when both signatures hold, 401 otherwise.

$header = $_SERVER['HTTP_X_EVENTWO_ACCESS_SIGNATURE'] ?? '';
$data = file_get_contents('php://input');
$secret = getenv('WEBHOOK_SECRET');

$signature = base64_encode(hash_hmac('sha256', $data, $secret, true));
$signatureIsValid = hash_equals($header, $signature);

// Standard Webhooks: HMAC-SHA256(base64-decoded secret after whsec_, "id.timestamp.body").
$id = $_SERVER['HTTP_WEBHOOK_ID'] ?? '';
$ts = $_SERVER['HTTP_WEBHOOK_TIMESTAMP'] ?? '';
$sigs = $_SERVER['HTTP_WEBHOOK_SIGNATURE'] ?? '';
$key = base64_decode(substr($secret, strlen('whsec_')));
$expected = 'v1,' . base64_encode(hash_hmac('sha256', $id . '.' . $ts . '.' . $data, $key, true));
$standardIsValid = false;
foreach (explode(' ', $sigs) as $candidate) {
    if (hash_equals($expected, $candidate)) {
        $standardIsValid = true;
    }
}
$standardIsValid = $standardIsValid && abs(time() - intval($ts)) <= 300;

$payload = json_decode($data, true);
file_put_contents(getenv('WEBHOOK_LOG'), json_encode([
    'receiver' => 'php',
    'webhook_id' => $id,
    'webhook_identifier' => is_array($payload) ? ($payload['webhook_identifier'] ?? null) : null,
    'webhook_name' => is_array($payload) ? ($payload['webhook_name'] ?? null) : null,
    'eventwo_valid' => $signatureIsValid,
    'standard_valid' => $standardIsValid,
]) . "\n", FILE_APPEND | LOCK_EX);

if (false === $signatureIsValid || false === $standardIsValid) {
    http_response_code(401);
    echo 'Invalid signature for webhook';
    return;
}
http_response_code(204);
