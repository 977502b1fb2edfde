import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeBackend, renderWithApp, settle } from "../test-utils";
import { TelegramSection } from "./TelegramSection";

describe("Settings → Telegram", () => {
  it("keeps the token out of the window, finds the chat, saves it and sends a test message", async () => {
    const fake = fakeBackend("ready");
    renderWithApp(<TelegramSection />);
    await settle();
    const user = userEvent.setup();
    // A malformed token is refused in the form; nothing reaches the backend.
    await user.type(screen.getByLabelText("Bot token"), "not-a-token");
    await user.click(screen.getByRole("button", { name: "Save token" }));
    expect(await screen.findByText(/A bot token looks like 123456789:AA/)).toBeInTheDocument();
    expect(fake.telegram.token).toBeNull();
    const token = `${600000123}:AA${"x1_Y-".repeat(7)}`;
    await user.clear(screen.getByLabelText("Bot token"));
    await user.type(screen.getByLabelText("Bot token"), token);
    await user.click(screen.getByRole("button", { name: "Save token" }));
    expect(await screen.findByTestId("telegram-token-set")).toHaveTextContent("Token saved in the keyring");
    expect(fake.telegram.token).toBe(token);
    expect(screen.queryByDisplayValue(token)).toBeNull();

    await user.click(screen.getByRole("button", { name: "Find my chat" }));
    const chats = await screen.findByTestId("telegram-chats");
    await user.click(within(chats).getByRole("button", { name: /Ada \(@ada\)/ }));
    expect(screen.getByLabelText("Chat id")).toHaveValue("424242");
    await user.click(screen.getByRole("button", { name: "Save chat and server" }));
    await settle();
    expect(fake.settings.telegram.chat_id).toBe("424242");

    await user.click(screen.getByRole("button", { name: "Send a test message" }));
    expect(await screen.findByText("Sent by @genqueue_demo_bot: check the chat.")).toBeInTheDocument();
    expect(fake.telegram.tests).toEqual(["424242"]);

    await user.click(screen.getByLabelText("Failures, with the reason"));
    await settle();
    expect(fake.settings.telegram.send_failed).toBe(false);
    expect(fake.settings.telegram.send_completed).toBe(true);
  }, 20_000);

  it("refuses a chat id that is neither a number nor an @name, and a server URL that is not http(s)", async () => {
    const fake = fakeBackend("ready");
    renderWithApp(<TelegramSection />);
    await settle();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Chat id"), "my chat");
    await user.type(screen.getByLabelText("Bot API server URL"), "api.telegram.org");
    await user.click(screen.getByRole("button", { name: "Save chat and server" }));
    expect(await screen.findByText(/A chat id is a number/)).toBeInTheDocument();
    expect(screen.getByText("Enter an http(s) URL.")).toBeInTheDocument();
    expect(fake.settings.telegram.chat_id).toBeNull();
  }, 20_000);

  it("shows a failure once, until dismissed, and what waits while Telegram is away", async () => {
    const fake = fakeBackend("ready");
    fake.telegram.status = {
      pending: 3,
      sent: 2,
      dropped: 0,
      retrying: "Telegram cannot be reached: connection refused",
      last_failure: { message: "Telegram refused the request (400): Bad Request: chat not found", at: new Date().toISOString() },
    };
    renderWithApp(<TelegramSection />);
    await settle();
    expect(screen.getByTestId("telegram-retrying")).toHaveTextContent("3 messages wait for Telegram: Telegram cannot be reached: connection refused");
    const failure = screen.getByTestId("telegram-failure");
    expect(failure).toHaveTextContent("chat not found");
    await userEvent.click(within(failure).getByRole("button", { name: "Dismiss" }));
    await settle();
    expect(screen.queryByTestId("telegram-failure")).toBeNull();
    expect(fake.telegram.status.last_failure).toBeNull();
  }, 20_000);
});
