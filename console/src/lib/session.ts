// The admin token lives in sessionStorage only: it is gone when the browser tab closes.
const KEY = "tracardi.admin-token";

export const adminSession = {
  token(): string | null {
    return sessionStorage.getItem(KEY);
  },
  save(token: string): void {
    sessionStorage.setItem(KEY, token);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};
