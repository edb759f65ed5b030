/**
 * US federal holidays (5 U.S.C. § 6103), computed for any year, with the observed day when a
 * fixed-date holiday falls on a weekend (Saturday → the Friday before, Sunday → the Monday
 * after; Executive Order 11582).
 */
import { addDays, compareDates, isoDate, nthWeekday, weekdayOf, type LocalDate } from './calendar.js';

export interface FederalHoliday {
  name: string;
  /** The holiday's own date. */
  date: LocalDate;
  /** The day federal offices close for it (differs from `date` on weekends). */
  observed: LocalDate;
}

function fixed(name: string, year: number, month: number, day: number): FederalHoliday {
  const date = { year, month, day };
  const weekday = weekdayOf(date);
  const observed = weekday === 6 ? addDays(date, -1) : weekday === 0 ? addDays(date, 1) : date;
  return { name, date, observed };
}

function floating(name: string, date: LocalDate): FederalHoliday {
  return { name, date, observed: date };
}

/**
 * The federal holidays of a year, in calendar order. Juneteenth counts from 2021, when it
 * became a federal holiday.
 *
 * @example
 * usFederalHolidays(2026).find((h) => h.name === 'Thanksgiving Day')?.date; // { year: 2026, month: 11, day: 26 }
 */
export function usFederalHolidays(year: number): FederalHoliday[] {
  return [
    fixed("New Year's Day", year, 1, 1),
    floating('Birthday of Martin Luther King, Jr.', nthWeekday(year, 1, 1, 3)),
    floating("Washington's Birthday", nthWeekday(year, 2, 1, 3)),
    floating('Memorial Day', nthWeekday(year, 5, 1, -1)),
    ...(year >= 2021 ? [fixed('Juneteenth National Independence Day', year, 6, 19)] : []),
    fixed('Independence Day', year, 7, 4),
    floating('Labor Day', nthWeekday(year, 9, 1, 1)),
    floating('Columbus Day', nthWeekday(year, 10, 1, 2)),
    fixed('Veterans Day', year, 11, 11),
    floating('Thanksgiving Day', nthWeekday(year, 11, 4, 4)),
    fixed('Christmas Day', year, 12, 25),
  ];
}

/**
 * The federal holiday on a date, if any: its own date or its observed day (both are
 * blackouts — people are off on one and families travel on the other). New Year's Day of the
 * next year can be observed on 31 December.
 *
 * @example
 * federalHolidayOn({ year: 2026, month: 7, day: 3 })?.name; // 'Independence Day' (observed; the 4th is a Saturday)
 */
export function federalHolidayOn(date: LocalDate): FederalHoliday | undefined {
  for (const year of [date.year, date.year + 1]) {
    for (const holiday of usFederalHolidays(year)) {
      if (compareDates(holiday.date, date) === 0 || compareDates(holiday.observed, date) === 0)
        return holiday;
    }
  }
  return undefined;
}

/** How a holiday is shown: `Independence Day (observed 2026-07-03)`. */
export function holidayText(holiday: FederalHoliday, on: LocalDate): string {
  return compareDates(holiday.date, on) === 0 ? holiday.name : `${holiday.name} (observed ${isoDate(on)})`;
}
