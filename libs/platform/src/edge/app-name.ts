/** Injection token of the app's name (gateway, event-store, …): its queue group and metrics label. */
export const APP_NAME = Symbol('evento:app-name');
