/** malloc_trim(0): hands free memory of every glibc arena back to the kernel; true when some was. */
export function trim(): boolean;
/** glibc mallopt(param, value); true when accepted. */
export function mallopt(param: number, value: number): boolean;
