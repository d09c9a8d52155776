/** Where services get the time, so rules that wait minutes or hours are tested in milliseconds. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
