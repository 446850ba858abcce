/**
 * Screen texts per verdict code, in every UI language.
 *
 * The backend sends the stable code and the upstream's English message; the banner,
 * the kiosk and the dashboard show these texts instead. `title` is the core's screen text
 * (`entrada-domain/src/verdict.rs`, the one place each verdict's facts live); a test fails
 * when the two drift apart. `title` is the banner headline,
 * `detail` the reason in words for staff, `kiosk` what an attendee reads at a kiosk
 * (no reasons that expose data, always a next step).
 */
import { VERDICT_CODES, type VerdictCode } from './ipc';

export type UiLanguage = 'en' | 'es';
export interface VerdictText {
  title: string;
  detail: string;
  kiosk: string;
}

export const VERDICT_TEXTS: Record<UiLanguage, Record<VerdictCode, VerdictText>> = {
  en: {
    accepted: { title: 'Welcome', detail: 'Access granted.', kiosk: 'You are checked in. Enjoy!' },
    unknown_badge: {
      title: 'Unknown badge',
      detail: 'This code does not belong to any attendee of this event.',
      kiosk: 'We could not find your badge. Please go to the help desk.',
    },
    checkpoint_inactive: {
      title: 'This checkpoint is closed',
      detail: 'This checkpoint is not active.',
      kiosk: 'This entrance is closed right now.',
    },
    hosting_expired: {
      title: 'The event is no longer valid',
      detail: 'The event hosting has expired.',
      kiosk: 'Check-in for this event is closed.',
    },
    not_attending: {
      title: 'Not registered for this event',
      detail: 'The attendee is not registered for this event.',
      kiosk: 'Your badge is for another event. Please go to the help desk.',
    },
    attendee_inactive: {
      title: 'Attendee deactivated',
      detail: 'The attendee is not active.',
      kiosk: 'Your badge is not active. Please go to the help desk.',
    },
    attendance_rejected: {
      title: 'Attendance was declined',
      detail: 'The attendee has declined attendance to the event.',
      kiosk: 'Your registration is not confirmed. Please go to the help desk.',
    },
    tag_not_allowed: {
      title: 'No access to this area',
      detail: "The attendee's tags do not give access to this checkpoint.",
      kiosk: 'Your badge does not give access here.',
    },
    max_readings_reached: {
      title: 'Already used here',
      detail: 'The attendee has reached the maximum readings for this checkpoint.',
      kiosk: 'This badge has already been used here.',
    },
    already_in_room: {
      title: 'Already inside',
      detail: 'The attendee is already in the room of this checkpoint.',
      kiosk: 'You are already checked in.',
    },
    room_full: {
      title: 'Room is full',
      detail: 'The room of this checkpoint has reached its capacity.',
      kiosk: 'The room is full. Please wait for a member of staff.',
    },
  },
  es: {
    accepted: { title: 'Bienvenido/a', detail: 'Acceso permitido.', kiosk: 'Registro completado. ¡Disfruta!' },
    unknown_badge: {
      title: 'Acreditación desconocida',
      detail: 'Este código no pertenece a ningún asistente del evento.',
      kiosk: 'No encontramos tu acreditación. Acude al punto de información.',
    },
    checkpoint_inactive: {
      title: 'Este punto de control está cerrado',
      detail: 'Este punto de control no está activo.',
      kiosk: 'Este acceso está cerrado ahora mismo.',
    },
    hosting_expired: {
      title: 'El evento ya no está vigente',
      detail: 'El alojamiento del evento ha caducado.',
      kiosk: 'El registro de este evento está cerrado.',
    },
    not_attending: {
      title: 'No está inscrito/a en este evento',
      detail: 'La persona no está inscrita en este evento.',
      kiosk: 'Tu acreditación es de otro evento. Acude al punto de información.',
    },
    attendee_inactive: {
      title: 'Asistente desactivado/a',
      detail: 'La persona asistente no está activa.',
      kiosk: 'Tu acreditación no está activa. Acude al punto de información.',
    },
    attendance_rejected: {
      title: 'Rechazó la asistencia',
      detail: 'La persona ha rechazado la asistencia al evento.',
      kiosk: 'Tu inscripción no está confirmada. Acude al punto de información.',
    },
    tag_not_allowed: {
      title: 'Sin acceso a esta zona',
      detail: 'Las etiquetas de la persona no dan acceso a este control.',
      kiosk: 'Tu acreditación no da acceso a esta zona.',
    },
    max_readings_reached: {
      title: 'Ya utilizada aquí',
      detail: 'Se ha alcanzado el máximo de lecturas en este control.',
      kiosk: 'Esta acreditación ya se ha usado aquí.',
    },
    already_in_room: {
      title: 'Ya está dentro',
      detail: 'La persona ya está en la sala de este control.',
      kiosk: 'Ya estás registrada/o.',
    },
    room_full: {
      title: 'La sala está llena',
      detail: 'La sala de este control ha alcanzado su aforo.',
      kiosk: 'La sala está llena. Espera a una persona de la organización.',
    },
  },
};

export function verdictText(code: string, lang: UiLanguage): VerdictText {
  const table = VERDICT_TEXTS[lang];
  if ((VERDICT_CODES as readonly string[]).includes(code)) return table[code as VerdictCode];
  // A code this build does not know yet (newer backend): a neutral refusal text.
  return lang === 'es'
    ? { title: 'Acceso denegado', detail: code, kiosk: 'Acude al punto de información.' }
    : { title: 'Access refused', detail: code, kiosk: 'Please go to the help desk.' };
}
