import type { Clock } from '../../src/lib/server/clock';

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  private current: Date;
  constructor(start: Date | string = '2026-03-01T12:00:00.000Z') {
    this.current = new Date(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  set(time: Date | string): void {
    this.current = new Date(time);
  }
  advance(milliseconds: number): Date {
    this.current = new Date(this.current.getTime() + milliseconds);
    return this.now();
  }
}
